"""Figures of a plan: each rep's weekly need at the top of the funnel, and when to do it.

Both take the JSON rows of `funnelwise plan --format json` (base rows have scenario "base";
what-if rows follow them) and the rep id -> name map; they use the palette and layout of
`report.charts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from funnelwise import formats as fmt
from funnelwise.web.charts import base as charts

Row = dict[str, Any]
BASE = "base"


def _label(row: Row, names: dict[str, str]) -> str:
    return str(names.get(row["rep"], row["rep"]))


def _top(row: Row) -> Row:
    return dict(row["steps"][0])


def _whole(v: float) -> str:
    """A weekly need as a goal: whole activities, rounded up."""
    return fmt.count(v, up=True)


def _need_trace(rows: Sequence[Row], labels: list[str], *, name: str, color: str,
                symbol: str) -> go.Scatter:
    tops = [_top(r) for r in rows]
    return go.Scatter(
        x=[t["per_week"] for t in tops], y=labels, mode="markers", name=name,
        marker={"color": color, "size": 10, "symbol": symbol},
        error_x={"type": "data", "array": [t["per_week_hi"] - t["per_week"] for t in tops],
                 "arrayminus": [t["per_week"] - t["per_week_lo"] for t in tops],
                 "thickness": 1.5, "width": 4, "color": color},
        customdata=[[_whole(t["per_week"]), _whole(t["per_week_lo"]), _whole(t["per_week_hi"])]
                    for t in tops],
        hovertemplate="%{y}: %{customdata[0]} a week (%{customdata[1]}–%{customdata[2]})"
                      "<extra>" + name + "</extra>",
    )


def volume_figure(rows: Sequence[Row], names: dict[str, str]) -> go.Figure:
    """Per rep: the weekly need at the funnel's first step with its interval; with a what-if,
    the scenario's need beside it (diamond)."""
    base = sorted((r for r in rows if r["scenario"] == BASE), key=lambda r: _top(r)["per_week"])
    if not base:
        return charts.empty("No plan for these filters")
    step = _top(base[0])["step"]
    order = [_label(r, names) for r in base]
    fig = charts.figure(110 + 34 * len(base))
    fig.add_trace(_need_trace(base, order, name="plan", color=charts.BLUE, symbol="circle"))
    alt = {r["rep"]: r for r in rows if r["scenario"] != BASE}
    if alt:
        mine = [alt[r["rep"]] for r in base if r["rep"] in alt]
        fig.add_trace(_need_trace(mine, [_label(r, names) for r in mine],
                                  name=str(mine[0]["scenario"]), color=charts.ORANGE,
                                  symbol="diamond"))
        fig.update_layout(scattermode="group", scattergap=0.5)
    fig.update_yaxes(categoryorder="array", categoryarray=order,
                     range=[-0.6, len(order) - 0.4], title_text="rep")
    fig.update_xaxes(title_text=f"{step} a week", rangemode="tozero")
    return fig


def _segments(rows: Sequence[Row], labels: list[str], start: str, end: str,
              j: int) -> tuple[list[Any], list[Any]]:
    xs: list[Any] = []
    ys: list[Any] = []
    for r, label in zip(rows, labels, strict=True):
        s = r["steps"][j]
        if s[start] and s[end]:
            xs += [s[start], s[end], None]
            ys += [label, label, None]
    return xs, ys


def timing_figure(rows: Sequence[Row], names: dict[str, str], *,
                  today: dt.date | None = None) -> go.Figure:
    """Per rep: the weeks the first step must happen in (thick bar), the earliest start slow
    deals need (diamond), and the weeks the wins land in (thin bar); a dotted line at today."""
    base = [r for r in rows if r["scenario"] == BASE and _top(r).get("start_week")]
    if not base:
        return charts.empty("No plan with dates for these filters")
    base.sort(key=lambda r: (_top(r)["start_week"], _label(r, names)), reverse=True)
    labels = [_label(r, names) for r in base]
    top, last = base[0]["steps"][0]["step"], base[0]["steps"][-1]["step"]
    fig = charts.figure(120 + 34 * len(base))
    xs, ys = _segments(base, labels, "start_week", "end_week", 0)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=f"{top}: weeks to do it",
                             line={"color": charts.SKY, "width": 12},
                             hovertemplate="%{y}: week of %{x}<extra>" + top + "</extra>"))
    xs, ys = _segments(base, labels, "start_week", "end_week", -1)
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=f"{last}: weeks they land",
                             line={"color": charts.GREEN, "width": 3},
                             hovertemplate="%{y}: week of %{x}<extra>" + last + "</extra>"))
    early = [(label, _top(r)["earliest_week"]) for r, label in zip(base, labels, strict=True)
             if _top(r).get("earliest_week")]
    fig.add_trace(go.Scatter(
        x=[e for _, e in early], y=[label for label, _ in early], mode="markers",
        name="start by (slow deals)", marker={"symbol": "diamond", "size": 10,
                                               "color": charts.VERMILLION},
        hovertemplate="%{y}: start " + top + " by the week of %{x}<extra></extra>"))
    if today is not None:
        fig.add_vline(x=today.isoformat(), line={"dash": "dot", "color": "#57606a"})
    fig.update_yaxes(categoryorder="array", categoryarray=labels,
                     range=[-0.6, len(labels) - 0.4], title_text="rep")
    fig.update_xaxes(type="date", title_text="week")
    return fig
