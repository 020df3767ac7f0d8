"""A metric result as a terminal table, JSON or CSV.

JSON and CSV carry every column at full precision, for tools; the terminal table shows the
columns a manager reads, formatted, with the notes (prior strength, filters) beneath.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from funnelwise.metrics.result import MetricResult
from funnelwise.presentation import formats as fmt

Row = dict[str, Any]


@dataclass(frozen=True)
class Col:
    """A displayed column: header, how to render a row, right-aligned or not."""

    header: str
    render: Callable[[Row], str]
    numeric: bool = True


def field(name: str, f: Callable[[Any], str]) -> Callable[[Row], str]:
    return lambda r: f(r.get(name))


VIEWS: dict[str, Sequence[Col]] = {
    "winrates": (
        Col("Group", field("key", fmt.text), False),
        Col("Won", field("won", fmt.count)), Col("Lost", field("lost", fmt.count)),
        Col("Win rate", field("win_rate", fmt.pct)),
        Col("Estimate (interval)", lambda r: fmt.estimate(
            r["win_rate_est"], r["win_rate_lo"], r["win_rate_hi"])),
        Col("By value", field("value_win_rate", fmt.pct)),
        Col("Won value", field("won_value", fmt.money)),
    ),
    "funnel": (
        Col("Group", field("key", fmt.text), False),
        Col("Step", field("step", fmt.text), False),
        Col("Count", field("count", fmt.count)),
        Col("Rate to next", field("rate", fmt.pct)),
        Col("Estimate (interval)", lambda r: fmt.estimate(
            r["rate_est"], r["rate_lo"], r["rate_hi"])),
        Col("Open", field("open", fmt.count)),
        Col("Method", field("method", fmt.text), False),
    ),
    "cycle": (
        Col("Group", field("key", fmt.text), False),
        Col("Won deals", field("won", fmt.count)),
        Col("p25 days", field("p25_days", fmt.days)),
        Col("Median days", field("median_days", fmt.days)),
        Col("p75 days", field("p75_days", fmt.days)),
        Col("p90 days", field("p90_days", fmt.days)),
    ),
}

TITLES = {
    "winrates": "Win rates (closed deals)",
    "funnel": "Funnel: counts per step and rate into the next",
    "cycle": "Sales cycle of won deals (days from creation to win)",
}


def register_view(name: str, title: str, cols: Sequence[Col]) -> None:
    """How the terminal shows results named `name` (JSON and CSV always carry every column)."""
    VIEWS[name] = tuple(cols)
    TITLES[name] = title


def to_json(result: MetricResult) -> str:
    return json.dumps(result.records(), indent=2, default=str)


def to_csv(result: MetricResult) -> str:
    buf = io.StringIO()
    result.frame.to_csv(buf, index=False)
    return buf.getvalue()


def compact(title: str, headers: Sequence[str], *, left: Sequence[str] = ()) -> Table:
    """A terminal table that fits 80 columns: a rule under the header, no outer frame, one
    space between columns, cells not wrapped (Rich shortens the widest instead)."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  collapse_padding=True, show_edge=False)
    for header in headers:
        table.add_column(header, justify="left" if header in left else "right", no_wrap=True)
    return table


def rich_table(result: MetricResult, *, title: str | None = None) -> Table:
    cols = VIEWS.get(result.name) or [Col(c, field(c, fmt.text)) for c in result.frame.columns]
    table = compact(title or TITLES.get(result.name, result.name), [c.header for c in cols],
                    left=[c.header for c in cols if not c.numeric])
    for row in result.records():
        table.add_row(*(c.render(row) for c in cols))
    return table


def print_table(console: Console, result: MetricResult, *, title: str | None = None) -> None:
    console.print(rich_table(result, title=title))
    for note in result.notes:
        console.print(f"[dim]{note}[/dim]")


def explain(result: MetricResult) -> str:
    """The filters and the SQL behind a result (`--explain`)."""
    lines = [f"-- {result.name}: filters"]
    lines += [f"--   {k}: {v}" for k, v in result.filters.items()]
    lines += [f"-- {n}" for n in result.notes]
    return "\n".join(lines) + "\n" + result.sql + "\n"
