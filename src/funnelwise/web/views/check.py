"""Data check: what the workspace holds, what to watch, and which commands its data supports.

The page's data is `funnelwise check --format json` (`metrics.check`) plus its title. It reads
the whole workspace with its own funnel, as the command does without `--funnel`: the filters
every page takes do not change it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from funnelwise.metrics.check import run_check
from funnelwise.web.charts import base as charts
from funnelwise.web.context import Context
from funnelwise.web.page import Data, Page

Row = dict[str, Any]

MARKERS = ("circle", "square", "diamond", "triangle-up", "x", "cross", "star")


def build(ctx: Context) -> Data:
    """The check's record over the whole workspace."""
    record = ctx.remember(("check",), lambda: run_check(ctx.org).record())
    return {"title": "Data check", **record}


def months_figure(series: Sequence[Row]) -> go.Figure:
    """Records per month, one line per kind of dated record: the span, and its gaps."""
    shown = [s for s in series if s["rows"]]
    if not shown:
        return charts.empty("No dated records")
    fig = charts.figure(320)
    for s, marker in zip(shown, MARKERS * 2, strict=False):
        fig.add_trace(go.Scatter(
            x=[m["month"] for m in s["months"]], y=[m["rows"] for m in s["months"]],
            name=s["name"], mode="lines+markers", marker={"symbol": marker},
            hovertemplate="%{x}: %{y:,} " + s["name"] + "<extra></extra>"))
    fig.update_xaxes(type="category", title_text="month")
    fig.update_yaxes(type="log", dtick=1, title_text="records (log scale)")
    return fig


def tables_figure(tables: Sequence[Row]) -> go.Figure:
    """Rows of each canonical table."""
    shown = [t for t in tables if t["rows"] is not None]
    if not any(t["rows"] for t in shown):
        return charts.empty("The workspace holds no rows")
    fig = charts.figure(60 + 28 * len(shown))
    fig.add_trace(go.Bar(
        y=[t["table"] for t in shown], x=[t["rows"] for t in shown], orientation="h",
        marker={"color": charts.BLUE}, text=[f"{t['rows']:,}" for t in shown],
        textposition="outside", cliponaxis=False,
        hovertemplate="%{y}: %{x:,} rows<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title_text="table")
    fig.update_xaxes(title_text="rows")
    return fig


def figures(data: Data) -> dict[str, go.Figure]:
    return {"months": months_figure(data["records"]), "tables": tables_figure(data["tables"])}


PAGE = Page(name="check", title="Data check", route="/check", api_route="/check",
            build=build, charts=figures)
