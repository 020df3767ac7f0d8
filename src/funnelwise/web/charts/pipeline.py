"""Plotly figures of the pipeline review and of a rep's activity against plan.

- `values_figure`: raw, qualified and realistic pipeline value per rep, side by side;
- `coverage_figure`: each rep's coverage (a bar ending in a marker whose colour and shape give
  the status) against the coverage their own win rate requires (black tick, with the
  requirement's interval);
- `weekly_plan_figure`: the rep page's weekly activity with the plan's weekly need drawn as a
  dashed line over its interval band, in the weeks the plan asks for that activity;
- `waterfall_figure`: what changed in a period's pipeline between two days, from the open value
  at the first to the open value at the second, one bar per line of `funnelwise changes`.

Colours are the Okabe-Ito palette of `charts`; every status also has its own marker shape,
and the series differ by shape, so nothing depends on colour alone.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from funnelwise import formats as fmt
from funnelwise.web.charts import base as charts

Row = dict[str, Any]

STATUS_MARKS = {
    "under-covered": (charts.VERMILLION, "triangle-left"),
    "inflated": (charts.PURPLE, "diamond"),
    "over-covered": (charts.ORANGE, "triangle-right"),
    "healthy": (charts.GREEN, "circle"),
    "target met": (charts.BLUE, "star"),
    "unknown": ("#8c959f", "x"),
}
VALUES = (("raw_value", "raw", charts.SKY), ("qualified_value", "qualified", charts.BLUE),
          ("realistic_value", "realistic", charts.GREEN))


def _finite(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and math.isfinite(v) else None


def _rows_in_order(fig: go.Figure, labels: list[str]) -> None:
    """Rows in this order, bottom to top, with half a row of room at both ends."""
    fig.update_yaxes(categoryorder="array", categoryarray=labels,
                     range=[-0.6, len(labels) - 0.4], title_text="rep")


def _label(row: Row) -> str:
    return str(row.get("name") or row["rep"])


def values_figure(rows: Sequence[Row]) -> go.Figure:
    """Per rep: raw (all open deals), qualified (no disqualifying flag) and realistic
    (amount x win probability) pipeline value, largest raw value on top."""
    rows = sorted((r for r in rows if r.get("deals")), key=lambda r: r["raw_value"])
    if not rows:
        return charts.empty("No open deals for these filters")
    labels = [_label(r) for r in rows]
    fig = charts.figure(120 + 42 * len(rows))
    for key, name, color in VALUES:
        fig.add_trace(go.Bar(
            y=labels, x=[_finite(r.get(key)) for r in rows], orientation="h", name=name,
            marker={"color": color}, customdata=[fmt.money(r.get(key)) for r in rows],
            hovertemplate="%{y}: %{customdata} " + name + "<extra></extra>",
        ))
    fig.update_layout(barmode="group", bargap=0.25, bargroupgap=0.05)
    _rows_in_order(fig, labels)
    fig.update_xaxes(title_text="pipeline value", rangemode="tozero")
    return fig


def _axis_end(rows: Sequence[Row]) -> float:
    """Room for every requirement's interval, without one huge coverage flattening the rest."""
    need = [v for r in rows for v in (_finite(r.get("required_hi")),
                                      _finite(r.get("required_coverage"))) if v is not None]
    have = [v for r in rows if (v := _finite(r.get("coverage"))) is not None]
    cap = 2.5 * max(need) if need else max(have, default=1.0)
    return 1.08 * max(min(max(have, default=0.0), cap), max(need, default=0.0), 1.0)


def _ratio(row: Row) -> float:
    """Coverage over requirement: below 1 is short; reps with nothing to measure sort last."""
    have, need = _finite(row.get("coverage")), _finite(row.get("required_coverage"))
    return have / need if have is not None and need else math.inf


def _status_trace(part: list[tuple[str, Row]], status: str, end: float) -> list[go.Scatter]:
    """One status: light bars from zero to each coverage, a marker of the status's shape at
    its end (a rep whose target is met has no ratio: its star sits at zero, labelled)."""
    color, symbol = STATUS_MARKS[status]
    labels = [lab for lab, _ in part]
    have = [_finite(r.get("coverage")) for _, r in part]
    shown = [min(v, end) if v is not None else 0.0 for v in have]
    text = [f"{v:.1f}x" if v is not None and v > end else
            ("target met" if v is None and status == "target met" else "") for v in have]
    hover = [f"{v:.1f}x" if v is not None else "no remaining target" for v in have]
    return [
        go.Bar(y=labels, x=shown, orientation="h", marker={"color": color, "opacity": 0.35},
               legendgroup=status, showlegend=False, hoverinfo="skip"),
        go.Scatter(
            y=labels, x=shown, mode="markers+text", name=status, legendgroup=status,
            marker={"color": color, "symbol": symbol, "size": 12,
                    "line": {"color": "#ffffff", "width": 1}},
            text=text, textposition="middle right", cliponaxis=False,
            customdata=[[h, r.get("reason") or ""] for h, (_, r) in zip(hover, part,
                                                                       strict=True)],
            hovertemplate="%{y}: %{customdata[0]} (" + status
            + ")<br>%{customdata[1]}<extra></extra>",
        ),
    ]


def _requirement_trace(rows: Sequence[Row]) -> go.Scatter:
    need = [r for r in rows if _finite(r.get("required_coverage")) is not None]
    mid = [r["required_coverage"] for r in need]
    hi = [_finite(r.get("required_hi")) for r in need]
    lo = [_finite(r.get("required_lo")) for r in need]
    return go.Scatter(
        y=[_label(r) for r in need], x=mid, mode="markers", name="required (1 / win rate)",
        marker={"symbol": "line-ns-open", "size": 18, "color": charts.BLACK,
                "line": {"width": 3}},
        error_x={"type": "data", "color": charts.BLACK, "thickness": 1.2, "width": 5,
                 "array": [(h if h is not None else m) - m for h, m in zip(hi, mid,
                                                                          strict=True)],
                 "arrayminus": [m - (v if v is not None else m) for v, m in zip(lo, mid,
                                                                              strict=True)]},
        hovertemplate="%{y}: needs %{x:.1f}x<extra></extra>",
    )


def coverage_figure(rows: Sequence[Row]) -> go.Figure:
    """Per rep with a quota: coverage (light bar ending in a marker whose colour and shape
    give the status) against the rep's own required coverage, 1 / win rate (black tick with
    its interval). Furthest short of the requirement on top; a coverage past the axis end
    keeps its value as a label."""
    rows = sorted((r for r in rows if r.get("status")), key=_ratio, reverse=True)
    if not rows:
        return charts.empty("No quota for this period")
    labels = [_label(r) for r in rows]
    end = _axis_end(rows)
    fig = charts.figure(140 + 30 * len(rows))
    for status in STATUS_MARKS:
        part = [(lab, r) for lab, r in zip(labels, rows, strict=True) if r["status"] == status]
        if part:
            fig.add_traces(_status_trace(part, status, end))
    fig.add_trace(_requirement_trace(rows))
    _rows_in_order(fig, labels)
    fig.update_layout(barmode="overlay", bargap=0.55)
    fig.update_xaxes(title_text="coverage (open pipeline / remaining target)",
                     ticksuffix="x", range=[0, end])
    return fig


def _week_edges(weeks: Sequence[str]) -> tuple[str, str]:
    first, last = dt.date.fromisoformat(weeks[0]), dt.date.fromisoformat(weeks[-1])
    return ((first - dt.timedelta(days=3.5)).isoformat() + " 12:00",
            (last + dt.timedelta(days=3)).isoformat() + " 12:00")


def weekly_plan_figure(rows: Sequence[Row], volume: str, output: str | None,
                       plan: Row | None) -> go.Figure:
    """Weekly volume and yield (`charts.weekly_figure`) with the plan's weekly need: a dashed
    line at the need over the bars and a band for its interval behind them, across the weeks
    in the plan's window (the rows whose `plan` is set)."""
    fig = charts.weekly_figure(rows, volume, output)
    weeks = [r["week"] for r in rows if r.get("plan") is not None]
    if plan is None or not weeks:
        return fig
    x0, x1 = _week_edges(weeks)
    lo, hi, need = plan["per_week_lo"], plan["per_week_hi"], plan["per_week"]
    band = f"plan interval ({fmt.pct(plan['interval_level'])})"
    fig.add_trace(go.Scatter(
        x=[x0, x1, x1, x0, x0], y=[lo, lo, hi, hi, lo], fill="toself", mode="lines",
        line={"width": 0}, fillcolor="rgba(0, 158, 115, 0.18)", name=band,
        hovertemplate=f"plan: {fmt.count(lo, up=True)}–{fmt.count(hi, up=True)} a week"
                      "<extra></extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[x0, x1], y=[need, need], mode="lines", name=f"plan: {fmt.count(need, up=True)} a week",
        line={"color": charts.GREEN, "width": 2.5, "dash": "dash"},
        hovertemplate=f"plan: {fmt.count(need, up=True)} {fmt.words(volume)} a week"
                      "<extra></extra>",
    ))
    *weekly, band_trace, line_trace = fig.data
    fig.data = (band_trace, *weekly, line_trace)
    return fig


MEASURES = {"start": "absolute", "end": "total"}
WATERFALL_KEY = (("adds to the pipeline", charts.GREEN), ("takes from it", charts.VERMILLION),
                 ("open value", charts.BLUE))


def _signed(row: Row) -> str:
    """A line's value as it adds: '+1.4M', '-879.7k'; the start and end as they stand."""
    text = fmt.money(row["value"])
    return text if row["line"] in MEASURES or row["value"] < 0 else "+" + text


def _levels(rows: Sequence[Row]) -> list[float]:
    """The open value after each bar: where each bar starts and ends."""
    level, out = 0.0, []
    for r in rows:
        level = float(r["value"]) if r["line"] in MEASURES else level + float(r["value"])
        out.append(level)
    return out


def _value_range(levels: Sequence[float]) -> list[float] | None:
    """A value axis that shows the week's moves: when they are small beside the open value,
    the axis starts below the lowest level instead of at zero (None: start at zero)."""
    lo, hi = min(levels), max(levels)
    if lo <= 0 or hi - lo >= 0.5 * lo:
        return None
    room = max(hi - lo, 0.02 * hi)
    return [max(0.0, lo - room), hi + 0.35 * room]


def waterfall_figure(rows: Sequence[Row], period: str) -> go.Figure:
    """The open value of the period's pipeline at the first day, each line of what changed
    (created, pulled in, pushed out, won, lost, amount changes, owners) as a step up or down,
    and the open value at the second day: `waterfall` rows of the changes page, start + lines
    = end. Each bar carries its signed value; the hover names the line and its deals."""
    if not rows or not any(r["value"] for r in rows):
        return charts.empty(f"No open deals in the {period} pipeline")
    fig = charts.figure(400)
    fig.add_trace(go.Waterfall(
        x=[r["short"] for r in rows], y=[r["value"] for r in rows],
        measure=[MEASURES.get(r["line"], "relative") for r in rows],
        text=[_signed(r) for r in rows], textposition="outside", cliponaxis=False,
        increasing={"marker": {"color": charts.GREEN}},
        decreasing={"marker": {"color": charts.VERMILLION}},
        totals={"marker": {"color": charts.BLUE}},
        connector={"line": {"color": "#8c959f", "width": 1, "dash": "dot"}},
        customdata=[[r["label"], fmt.count(r["deals"]), _signed(r)] for r in rows],
        hovertemplate="%{customdata[0]}: %{customdata[2]} (%{customdata[1]} deals)"
                      "<extra></extra>", showlegend=False,
    ))
    for name, color in WATERFALL_KEY:  # the colours' key: the signs say it in the bars too
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=name,
                                 marker={"symbol": "square", "size": 12, "color": color},
                                 hoverinfo="skip"))
    unit = f" ({fmt.currency()})" if fmt.currency() else ""
    fig.update_yaxes(title_text=f"open value of the {period} pipeline{unit}", tickformat="~s",
                     range=_value_range(_levels(rows)), rangemode="tozero")
    fig.update_xaxes(type="category", title_text="what changed, from the first day to the last")
    return fig
