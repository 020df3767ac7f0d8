"""What changed: the waterfall of a period's pipeline over the last week, the stage moves beside
it and the deals behind each line. The pipeline page shows it as its "What changed" section;
`/changes` shows it alone and `/api/changes` is its JSON.

The figures are `funnelwise changes --from F --to T --period P --format json` (`from`, `to`,
`period`, `by`, `lines`, `moves`, `deals`) over the scope's reps, at the CLI's defaults unless
asked otherwise: T = `?as_of=` or the page's as-of day (the day after `until`, else the data's
today), as the pipeline review reads it; F = `?start=`, else a week before T; P = `?period=`,
else `periods.default_period(T)`, the period the pipeline page's coverage is for.

`waterfall` is what the chart and the table show: start, each line that moved a deal, end,
with the words of `presentation.weekly`; start plus the lines is the end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from funnelwise.errors import UserError
from funnelwise.periods import Period
from funnelwise.pipeline.changes import changes
from funnelwise.pipeline.run import coverage_period
from funnelwise.presentation import weekly
from funnelwise.web.charts import pipeline as pipeline_charts
from funnelwise.web.context import Context
from funnelwise.web.page import Data, Page, Params
from funnelwise.web.views.days import given_day, review_day

Row = dict[str, Any]
ENDS = ("start", "end")


def waterfall(lines: list[Row]) -> list[Row]:
    """The everyone rows the page shows, in waterfall order: start, each line with a deal in
    it, end; each with its words (`label`) and its short name (`short`)."""
    return [{**r, "label": weekly.LINE_WORDS[r["line"]], "short": weekly.SHORT[r["line"]]}
            for r in lines if r["line"] in ENDS or r["deals"]]


def command(start: dt.date, end: dt.date, period: Period) -> str:
    """The command that prints the same figures (over the whole org)."""
    return (f"funnelwise changes --from {start.isoformat()} --to {end.isoformat()} "
            f"--period {period.label}")


def section(ctx: Context, *, end: dt.date, period: Period, start: dt.date | None = None
            ) -> Data:
    """`changes --format json` of the scope's pipeline of `period` from `start` (default: a
    week before `end`) to `end`, with what the page shows of it; computed once per context."""
    def compute() -> Data:
        found = changes(ctx.crm, start=start, end=end, period=period)
        doc = weekly.changes_doc(found)
        return {**doc, "waterfall": waterfall(doc["lines"]), "move_words": weekly.MOVE_WORDS,
                "command": command(found.start, found.end, found.period),
                "whole_org": ctx.filters.scope.is_everyone,
                "scope": ctx.filters.scope.describe()}

    return dict(ctx.remember(("changes", start, end, period.label), compute))


def build(ctx: Context, *, as_of: str | None = None, period: str | None = None,
          start: str | None = None) -> Data:
    """What changed in the scope's pipeline between the two days."""
    end = review_day(ctx, as_of)
    first = given_day(ctx, "start", start)
    if first is not None and first >= end:
        raise UserError(f"start={first.isoformat()} is not before as_of={end.isoformat()}: "
                        "the waterfall runs from the first day to the last")
    return {"title": "What changed",
            **section(ctx, end=end, period=coverage_period(period, end), start=first),
            "start_asked": first.isoformat() if first else None}


def figures(data: Data) -> dict[str, go.Figure]:
    return {"waterfall": pipeline_charts.waterfall_figure(data["waterfall"],
                                                          data["period"]["label"])}


def _inside_pipeline(ctx: Context) -> list[Params]:
    """None of its own in the report: the pipeline page's section shows it there."""
    return []


PAGE = Page(name="changes", title="What changed", route="/changes", api_route="/changes",
            build=build, charts=figures, instances=_inside_pipeline, in_nav=False)
