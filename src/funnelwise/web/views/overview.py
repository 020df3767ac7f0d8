"""Team overview: the funnel with drop-off, win rates with intervals, and cycle times.

Every figure is a metric's JSON rows, exactly as the CLI prints them for the same filters:
`funnel --by all`, `winrates --by all` and `--by rep`, `cycle --by all` and `--by rep`.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from funnelwise.web.charts import base as charts
from funnelwise.web.context import Context
from funnelwise.web.page import Data, Page


def _first(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def build(ctx: Context) -> Data:
    """The team's figures for the page's filters."""
    return {
        "title": "Team overview",
        "reps": ctx.reps(),
        "winrate_all": _first(ctx.records("winrates", by="all")),
        "cycle_all": _first(ctx.records("cycle", by="all")),
        "funnel": ctx.records("funnel", by="all"),
        "winrates": ctx.records("winrates", by="rep"),
        "cycle": ctx.records("cycle", by="rep"),
        "notes": [*ctx.metric("winrates", by="rep").notes,
                  *ctx.metric("funnel", by="all").notes],
    }


def names(data: Data) -> dict[str, str]:
    return {r["rep_id"]: r["name"] for r in data["reps"]}


def figures(data: Data) -> dict[str, go.Figure]:
    overall = data["winrate_all"]["win_rate"] if data["winrate_all"] else None
    return {
        "funnel": charts.funnel_figure(data["funnel"]),
        "winrates": charts.winrate_figure(data["winrates"], names(data), overall),
        "cycle": charts.cycle_figure(data["cycle"], names(data)),
    }


PAGE = Page(name="overview", title="Team overview", route="/", api_route="/overview",
            build=build, charts=figures)
