"""`funnelwise check`: what the workspace holds, its warnings, and which commands it supports."""

from __future__ import annotations

import csv
import json
import sys
from typing import Any

import typer
from rich.table import Table

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    Format,
    FormatOpt,
    FunnelOpt,
    WorkspaceOpt,
    console,
    funnel_override,
    open_workspace,
    user_errors,
)
from funnelwise.metrics.check import run_check

ORDER = 12
HEADINGS = {"yes": "Supported", "partly": "Partly supported", "no": "Not supported"}

Record = dict[str, Any]


def _dates(record: Record) -> dict[str, tuple[str, str]]:
    """Per table: the first and last day of its dated records."""
    out: dict[str, tuple[str, str]] = {}
    for s in record["records"]:
        if s["first"] is None:
            continue
        first, last = out.get(s["table"], (s["first"], s["last"]))
        out[s["table"]] = (min(first, s["first"]), max(last, s["last"]))
    return out


def tables_table(record: Record) -> Table:
    table = Table("table", "rows", "first", "last", title="Tables", title_justify="left")
    dates = _dates(record)
    for t in record["tables"]:
        rows = "not in this source" if t["rows"] is None else f"{t['rows']:,}"
        table.add_row(t["table"], rows, *dates.get(t["table"], ("", "")))
    table.columns[1].justify = "right"
    return table


def holds_table(record: Record) -> Table:
    table = Table("records", "held", "what is there", title="What the commands lean on",
                  title_justify="left")
    for h in record["holds"]:
        table.add_row(h["what"], "yes" if h["present"] else "no", h["detail"])
    return table


def span_line(record: Record) -> str:
    span, period = record["span"], record["default_period"]
    if span is None:
        return "The workspace has no dated records."
    return (f"Records from {span['first']} to {span['last']} ({span['days']:,} days); today "
            f"{span['today']}; default period {period['label']}.")


def command_lines(record: Record) -> list[str]:
    """Each command under its verdict: `plan: no quotas for 2026-Q3`."""
    lines = []
    for state, heading in HEADINGS.items():
        rows = [c for c in record["commands"] if c["supported"] == state]
        if not rows:
            continue
        lines.append(f"{heading}:")
        if state == "yes":
            lines.append("  " + ", ".join(c["command"] for c in rows))
        lines += [f"  {c['command']}: {why}" for c in rows for why in c["reasons"]]
    return lines


def print_check(record: Record) -> None:
    console.print(span_line(record), highlight=False)
    console.print(tables_table(record))
    console.print(holds_table(record))
    for w in record["warnings"]:
        console.print(f"warning: {w['text']}", highlight=False, markup=False, soft_wrap=True)
    for line in command_lines(record):
        console.print(line, highlight=False, markup=False, soft_wrap=True)


def write_csv(record: Record) -> None:
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(["command", "supported", "reasons"])
    for c in record["commands"]:
        out.writerow([c["command"], c["supported"], "; ".join(c["reasons"])])


@user_errors
def check(workspace: WorkspaceOpt = DEFAULT_WORKSPACE, funnel: FunnelOpt = None,
          format: FormatOpt = Format.table) -> None:
    """What the workspace holds, what to watch, and which commands its data supports."""
    with open_workspace(workspace) as ws:
        record = run_check(ws.crm(funnel_override(funnel))).record()
    if format is Format.json:
        sys.stdout.write(json.dumps(record, indent=2) + "\n")
    elif format is Format.csv:
        write_csv(record)
    else:
        print_check(record)


def register(app: typer.Typer) -> None:
    app.command()(check)
