"""`funnelwise check`: what the workspace holds, its warnings, and which commands it supports."""

from __future__ import annotations

from typing import Any

import pandas as pd
import typer
from rich.console import RenderableType

from funnelwise import formats as fmt
from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    Format,
    FormatOpt,
    FunnelOpt,
    OutOpt,
    WorkspaceOpt,
    emit,
    funnel_override,
    open_workspace,
    user_errors,
)
from funnelwise.metrics.check import run_check
from funnelwise.presentation.output import Output, line
from funnelwise.presentation.tables import Col, field, grid

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


def table_rows(record: Record) -> list[Record]:
    """Each canonical table: its rows and the first and last day of its dated records."""
    dates = _dates(record)
    return [{"table": t["table"], "rows": t["rows"],
             "first": dates.get(t["table"], (None, None))[0],
             "last": dates.get(t["table"], (None, None))[1]} for t in record["tables"]]


TABLES = (
    Col("Table", field("table", fmt.text), False),
    Col("Rows", lambda r: "not in this source" if r["rows"] is None else fmt.count(r["rows"])),
    Col("First", field("first", fmt.date), False),
    Col("Last", field("last", fmt.date), False),
)
HOLDS = (
    Col("Records", field("what", fmt.text), False, wrap=True),
    Col("Held", lambda r: "yes" if r["present"] else "no", False),
    Col("What is there", field("detail", fmt.text), False, wrap=True, room=30),
)


def span_line(record: Record) -> str:
    span, period = record["span"], record["default_period"]
    if span is None:
        return "The workspace has no dated records."
    return (f"Records from {span['first']} to {span['last']} ({fmt.count(span['days'])} days); "
            f"today {span['today']}; default period {period['label']}.")


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


def check_output(record: Record) -> Output:
    """The check: JSON as the record, CSV of every table (tables, what is held, warnings,
    commands), and on the terminal the span, the tables, the warnings and the verdicts."""
    commands = pd.DataFrame([{"command": c["command"], "supported": c["supported"],
                              "reasons": "; ".join(c["reasons"])} for c in record["commands"]],
                            columns=["command", "supported", "reasons"])
    held = pd.DataFrame(table_rows(record), columns=["table", "rows", "first", "last"])
    tables = (("tables", held.rename(columns={"table": "name"})),
              ("holds", pd.DataFrame(record["holds"])),
              ("warnings", pd.DataFrame([{"warning": w["text"]} for w in record["warnings"]],
                                        columns=["warning"])),
              ("commands", commands))
    show: tuple[RenderableType, ...] = (
        line(span_line(record)), grid("Tables", TABLES, table_rows(record)),
        grid("What the commands lean on", HOLDS, record["holds"]),
        *(line(f"warning: {w['text']}") for w in record["warnings"]),
        *(line(text) for text in command_lines(record)))
    return Output(tables=tables, doc=record, show=show)


@user_errors
def check(workspace: WorkspaceOpt = DEFAULT_WORKSPACE, funnel: FunnelOpt = None,
          format: FormatOpt = Format.table, out: OutOpt = None) -> None:
    """What the workspace holds, what to watch, and which commands its data supports.

    Example: funnelwise check --workspace sales.duckdb
    """
    with open_workspace(workspace) as ws:
        record = run_check(ws.crm(funnel_override(funnel))).record()
    emit(check_output(record), format, out=out)


def register(app: typer.Typer) -> None:
    app.command()(check)
