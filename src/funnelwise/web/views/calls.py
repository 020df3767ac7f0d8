"""Calls: what each rep calls for a period (commit and best case), the model's P50 (P10-P90)
for the same deals, and each rep's record of calls against what was won, rolled up per
manager. The forecast page shows it as its "Calls" section; `/calls` shows it alone and
`/api/calls` is its JSON.

The figures are `funnelwise calls --by manager --period P --as-of D --format json` (`period`,
`as_of`, `calls`, `record`, `notes`) over the scope's reps: the rep and everyone rows are what
the command prints at its default `--by rep`, the manager rows are the roll-up. D is the
page's as-of day (the day after `until`, else the data's today), as on the forecast page; P is
`?period=`, else `periods.default_period(D)` (the forecast page passes the period it
forecasts, which is that one at its default horizon).

The page shows each manager's row with their reps under it (reps without a manager under
`no_manager`, the roll-up's key for them), then everyone.

`readings` names the reps whose record reads optimistic (their calls' interval of called / won
lies above 1) or sandbagging (below 1). When the workspace holds nothing a call is read from
(no forecast category on any deal, no forecast_calls row), `missing` says so and the page
shows that sentence instead of empty tables.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from funnelwise.metrics.dimensions import NONE
from funnelwise.periods import Period, default_period, parse_period
from funnelwise.pipeline.calls import LEVEL, calls
from funnelwise.presentation import weekly
from funnelwise.schema.crm import Crm
from funnelwise.web.charts import forecast as forecast_charts
from funnelwise.web.context import Context
from funnelwise.web.page import Data, Page, Params

Row = dict[str, Any]
BY = "manager"
READINGS = ("optimistic", "sandbagging")


def _any(column: Any) -> bool:
    return int(column.notnull().sum().execute() or 0) > 0


def has_calls(crm: Crm) -> bool:
    """True when the workspace holds something a call is read from: a forecast category on a
    deal (as it stands, or in what an import saw of it) or a submitted call."""
    if _any(crm.opportunities.forecast_category):
        return True
    if crm.snapshots is not None and _any(crm.snapshots.forecast_category):
        return True
    return crm.forecast_calls is not None and int(crm.forecast_calls.count().execute()) > 0


def readings(record: list[Row]) -> dict[str, list[str]]:
    """The reps whose record reads optimistic, and those who read sandbagging."""
    return {name: [r["rep"] for r in record if r["reading"] == name] for name in READINGS}


def command(period: Period, as_of: dt.date) -> str:
    """The command that prints the same figures (over the whole org)."""
    return (f"funnelwise calls --by {BY} --period {period.label} "
            f"--as-of {as_of.isoformat()}")


def _missing(ctx: Context, doc: Data) -> tuple[str | None, str | None]:
    """Why there are no calls at all, and why there is no record, in the CLI's words."""
    none = (f"No forecast calls in {ctx.filters.scope.describe()}: no deal carries a forecast "
            f"category and there is no forecast_calls table; {weekly.NEEDS}")
    missing = None if has_calls(ctx.crm) else none
    return missing, (None if doc["record"] else weekly.NO_RECORD)


def section(ctx: Context, *, period: Period, as_of: dt.date) -> Data:
    """`calls --by manager --format json` of the scope's reps for `period` as of `as_of`, with
    what the page says of it; computed once per context."""
    def compute() -> Data:
        doc = weekly.calls_doc(calls(ctx.crm, period=period, as_of_day=as_of, by=BY))
        missing, no_record = _missing(ctx, doc)
        return {**doc, "by": BY, "level": LEVEL, "sources": weekly.SOURCES,
                "readings": readings(doc["record"]), "missing": missing, "no_manager": NONE,
                "no_record": no_record, "names": {r["rep_id"]: r["name"] for r in ctx.reps()},
                "command": command(period, as_of), "whole_org": ctx.filters.scope.is_everyone,
                "scope": ctx.filters.scope.describe()}

    return dict(ctx.remember(("calls", period.label, as_of), compute))


def build(ctx: Context, *, period: str | None = None) -> Data:
    """The scope's calls for the period as of the page's as-of day."""
    day = ctx.as_of()
    chosen = parse_period(period) if period else default_period(day)
    return {"title": "Calls", **section(ctx, period=chosen, as_of=day)}


def figures(data: Data) -> dict[str, go.Figure]:
    names, period = data["names"], data["period"]["label"]
    return {
        "commit_calls": forecast_charts.calls_figure(data["calls"], names, period),
        "call_record": forecast_charts.record_figure(data["record"], names, data["level"]),
    }


def _inside_forecast(ctx: Context) -> list[Params]:
    """None of its own in the report: the forecast page's section shows it there."""
    return []


PAGE = Page(name="calls", title="Calls", route="/calls", api_route="/calls", build=build,
            charts=figures, instances=_inside_forecast, in_nav=False)
