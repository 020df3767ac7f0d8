"""Plotly figures shared by the dashboard and the HTML report.

Figures take the JSON rows of a metric (what `funnelwise <metric> --format json` prints) and
use the Okabe-Ito palette, which stays distinct for the common forms of colour blindness;
series also differ by marker shape, so nothing depends on colour alone.

Every axis a chart shows has a title saying what it counts. The legend sits under the chart,
below the x-axis title, and the top margin is the toolbar's (Plotly's modebar, top right): the
toolbar never covers a legend entry or a data point, at phone width as at desktop width.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from funnelwise import formats as fmt

Row = dict[str, Any]

BLUE, ORANGE, GREEN, VERMILLION = "#0072B2", "#E69F00", "#009E73", "#D55E00"
SKY, PURPLE, YELLOW, BLACK = "#56B4E9", "#CC79A7", "#F0E442", "#000000"
COLORWAY = (BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, BLACK)
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif"
CONFIG = {"displaylogo": False, "responsive": True,
          "modeBarButtonsToRemove": ["select2d", "lasso2d"]}
_AXIS = {"gridcolor": "#e3e6ea", "zeroline": False, "automargin": True,
         "title": {"standoff": 8, "font": {"size": 12, "color": "#57606a"}}}
TOOLBAR = 30  # px above the plot for the modebar
# Under the chart, in the figure's own coordinates: Plotly grows the bottom margin to fit it.
LEGEND = {"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0,
          "xanchor": "left"}

TEMPLATE = go.layout.Template(layout={
    "colorway": list(COLORWAY), "font": {"family": FONT, "size": 13, "color": "#1f2328"},
    "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff", "xaxis": _AXIS, "yaxis": _AXIS,
    "margin": {"l": 8, "r": 16, "t": TOOLBAR, "b": 8}, "hoverlabel": {"font": {"family": FONT}},
    "legend": LEGEND,
})


def figure(height: int) -> go.Figure:
    """An empty figure in the dashboard's style, `height` px tall plus the toolbar's room."""
    return go.Figure(layout={"template": TEMPLATE, "height": height + TOOLBAR,
                             "autosize": True})


def titles(fig: go.Figure, *, x: str | None = None, y: str | None = None) -> go.Figure:
    """Name what the (first) x and y axes count: every axis a chart shows has a title."""
    if x is not None:
        fig.update_layout(xaxis_title_text=x)
    if y is not None:
        fig.update_layout(yaxis_title_text=y)
    return fig


def empty(message: str = "No data for these filters") -> go.Figure:
    """A figure that says there is nothing to show (still a chart, so the page stays whole)."""
    fig = figure(160)
    fig.add_annotation(text=message, showarrow=False, font={"size": 15, "color": "#57606a"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return fig


def to_div(fig: go.Figure, div_id: str) -> str:
    """The figure as an HTML fragment; Plotly's JavaScript is loaded once by the page."""
    return str(fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                           config=CONFIG))


def drop_off(rate: float | None) -> str:
    """Share lost between a step and the next, 1 - rate; none when the next step counts more
    (a ratio above 1: that step is also fed from elsewhere)."""
    if rate is None:
        return "–"
    return fmt.pct(1 - rate) if rate <= 1 else "none"


def _drop_label(rate: float | None) -> str:
    if rate is None:
        return ""
    return f"<br>{drop_off(rate)} drop off" if rate <= 1 else f"<br>×{rate:.1f} at next step"


def _label(row: Row) -> str:
    nxt = row.get("next_step")
    return f"{row['step']} →<br>{nxt}" if nxt else str(row["step"])


def funnel_figure(rows: Sequence[Row]) -> go.Figure:
    """Counts at each step; each label gives the share that drops off before the next step."""
    if not rows or not any(r["count"] for r in rows):
        return empty()
    steps = [r["step"] for r in rows]
    labels = [f"<b>{r['step']}</b>" + _drop_label(r.get("rate")) for r in rows]
    fig = figure(80 + 60 * len(rows))
    fig.add_trace(go.Funnel(
        y=steps, x=[r["count"] for r in rows], text=[fmt.count(r["count"]) for r in rows],
        textinfo="text", textposition="auto", marker={"color": BLUE},
        connector={"fillcolor": "#d7e6f2"}, cliponaxis=False,
        hovertemplate="%{y}: %{x:,} reached<extra></extra>",
    ))
    fig.update_yaxes(tickvals=steps, ticktext=labels)
    fig.update_xaxes(visible=False)  # the counts are on the bars
    return titles(fig, y="step (share lost before the next)")


def _error_bars(rows: Sequence[Row], est: str, lo: str, hi: str) -> dict[str, Any]:
    plus = [(r[hi] - r[est]) if r[hi] is not None else 0 for r in rows]
    minus = [(r[est] - r[lo]) if r[lo] is not None else 0 for r in rows]
    return {"type": "data", "array": plus, "arrayminus": minus, "thickness": 1.5, "width": 4}


def _interval_trace(rows: Sequence[Row], *, prefix: str, labels: list[str], name: str,
                    color: str, symbol: str = "circle") -> go.Scatter:
    est, lo, hi = f"{prefix}_est", f"{prefix}_lo", f"{prefix}_hi"
    keep = [r for r in rows if r.get(est) is not None]
    ys = [lab for lab, r in zip(labels, rows, strict=True) if r.get(est) is not None]
    return go.Scatter(
        x=[r[est] for r in keep], y=ys, mode="markers", name=name,
        marker={"color": color, "size": 10, "symbol": symbol},
        error_x=_error_bars(keep, est, lo, hi) | {"color": color},
        hovertemplate="%{y}: %{x:.1%}<extra>" + name + "</extra>",
    )


def _categories(fig: go.Figure, order: list[str]) -> None:
    """Rows in this order (bottom to top), with half a row of room at both ends."""
    fig.update_yaxes(categoryorder="array", categoryarray=order,
                     range=[-0.6, len(order) - 0.4])


def _percent_axis(fig: go.Figure) -> None:
    fig.update_xaxes(tickformat=".0%", rangemode="tozero")


def winrate_figure(rows: Sequence[Row], names: dict[str, str], overall: float | None
                   ) -> go.Figure:
    """Each rep's estimated win rate with its interval (colour = team), raw rate beside it."""
    rows = sorted((r for r in rows if r.get("win_rate_est") is not None),
                  key=lambda r: r["win_rate_est"])
    if not rows:
        return empty()
    fig = figure(110 + 30 * len(rows))
    for i, team in enumerate(sorted({str(r["parent"]) for r in rows})):
        part = [r for r in rows if str(r["parent"]) == team]
        labels = [str(names.get(r["key"], r["key"])) for r in part]
        fig.add_trace(_interval_trace(part, prefix="win_rate", labels=labels, name=team,
                                      color=COLORWAY[i % len(COLORWAY)]))
    fig.add_trace(go.Scatter(
        x=[r["win_rate"] for r in rows], y=[str(names.get(r["key"], r["key"])) for r in rows],
        mode="markers", name="raw rate", marker={"symbol": "diamond-open", "size": 8,
                                                 "color": BLACK},
        hovertemplate="%{y}: %{x:.1%} raw<extra></extra>",
    ))
    if overall is not None:
        fig.add_vline(x=overall, line={"dash": "dot", "color": "#57606a"})
    _categories(fig, [str(names.get(r["key"], r["key"])) for r in rows])
    _percent_axis(fig)
    return titles(fig, x="win rate (estimate and 95% interval)", y="rep")


def cycle_figure(rows: Sequence[Row], names: dict[str, str]) -> go.Figure:
    """Days from creation to win: middle half of deals as a bar, median and p90 as marks."""
    rows = sorted((r for r in rows if r.get("median_days") is not None),
                  key=lambda r: r["median_days"])
    if not rows:
        return empty()
    labels = [str(names.get(r["key"], r["key"])) for r in rows]
    fig = figure(110 + 30 * len(rows))
    fig.add_trace(go.Bar(
        y=labels, x=[r["p75_days"] - r["p25_days"] for r in rows],
        base=[r["p25_days"] for r in rows], orientation="h", name="middle half (p25–p75)",
        marker={"color": SKY}, hovertemplate="%{y}: %{base:.0f}–%{x:.0f}+ days<extra></extra>",
    ))
    fig.add_trace(go.Scatter(y=labels, x=[r["median_days"] for r in rows], mode="markers",
                             name="median", marker={"symbol": "line-ns-open", "size": 16,
                                                    "color": BLACK, "line": {"width": 3}},
                             hovertemplate="%{y}: median %{x:.0f} days<extra></extra>"))
    fig.add_trace(go.Scatter(y=labels, x=[r["p90_days"] for r in rows], mode="markers",
                             name="p90", marker={"symbol": "diamond", "size": 9,
                                                 "color": VERMILLION},
                             hovertemplate="%{y}: p90 %{x:.0f} days<extra></extra>"))
    fig.update_xaxes(rangemode="tozero")
    return titles(fig, x="days from creation to win", y="rep")


def rates_vs_team_figure(rep: Sequence[Row], team: Sequence[Row], rep_name: str,
                         team_name: str) -> go.Figure:
    """Step-to-step rates: the rep's estimate and interval beside the team's."""
    rep = [r for r in rep if r.get("next_step")]
    team = [r for r in team if r.get("next_step")]
    if not any(r.get("rate_est") is not None for r in [*rep, *team]):
        return empty()
    fig = figure(110 + 46 * max(len(rep), len(team)))
    fig.add_trace(_interval_trace(team, prefix="rate", labels=[_label(r) for r in team],
                                  name=f"{team_name} (team)", color=ORANGE, symbol="diamond"))
    fig.add_trace(_interval_trace(rep, prefix="rate", labels=[_label(r) for r in rep],
                                  name=rep_name, color=BLUE))
    order = [_label(r) for r in (rep or team)]
    _categories(fig, order[::-1])
    fig.update_layout(scattermode="group", scattergap=0.5)
    _percent_axis(fig)
    return titles(fig, x="rate to the next step (estimate and 95% interval)",
                  y="step → next step")


def weekly_figure(rows: Sequence[Row], volume: str, output: str | None) -> go.Figure:
    """Activity volume per week (bars) and its yield, output / volume (line, right axis)."""
    if not rows:
        return empty()
    fig = figure(320)
    weeks = [r["week"] for r in rows]
    fig.add_trace(go.Bar(x=weeks, y=[r["volume"] for r in rows], name=f"{volume} (count)",
                         marker={"color": SKY},
                         hovertemplate="week of %{x}: %{y:,}<extra></extra>"))
    if output:
        fig.add_trace(go.Scatter(
            x=weeks, y=[r["yield"] for r in rows], yaxis="y2", mode="lines+markers",
            name=f"yield: {output} / {volume}", line={"color": VERMILLION, "width": 2},
            marker={"symbol": "square", "size": 6},
            hovertemplate="week of %{x}: %{y:.1%}<extra></extra>",
        ))
    fig.update_layout(yaxis2={"overlaying": "y", "side": "right", "tickformat": ".0%",
                              "tickmode": "auto",
                              "title": {"text": f"yield: {output} ÷ {volume}" if output else ""},
                              "rangemode": "tozero", "showgrid": False, "automargin": True})
    fig.update_yaxes(rangemode="tozero", selector={"anchor": "x"})
    return titles(fig, x="week (starting Monday)", y=f"{volume} a week")
