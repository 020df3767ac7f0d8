"""Forecast charts: each method's P50 with its P10-P90 band for the next period, the
backtest's forecasts against the actual revenue per origin, and the reps' calls: commit as
called against the model's view of the same deals, and each rep's record of called / won."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from funnelwise import formats as fmt
from funnelwise.web.charts import base as charts

Row = dict[str, Any]


def backtest_figure(rows: Sequence[Row]) -> go.Figure:
    """Per origin: the actual revenue, and each method's P50 with its P10–P90 band."""
    if not rows:
        return charts.empty("No backtest origins")
    fig = charts.figure(360)
    origins = sorted({str(r["origin"]) for r in rows})
    actual = {str(r["origin"]): r["actual"] for r in rows}
    fig.add_trace(go.Scatter(x=origins, y=[actual[o] for o in origins], name="actual",
                             mode="lines+markers", line={"color": charts.BLACK, "width": 3},
                             marker={"symbol": "circle"}))
    methods = list(dict.fromkeys(str(r["method"]) for r in rows))
    symbols = ("diamond", "square", "triangle-up", "x")
    for i, method in enumerate(methods):
        mine = sorted((r for r in rows if r["method"] == method), key=lambda r: str(r["origin"]))
        fig.add_trace(go.Scatter(
            x=[str(r["origin"]) for r in mine], y=[r["p50"] for r in mine], name=method,
            mode="markers", marker={"symbol": symbols[i % len(symbols)], "size": 10,
                                    "color": charts.COLORWAY[i % len(charts.COLORWAY)]},
            error_y={"type": "data", "symmetric": False,
                     "array": [r["p90"] - r["p50"] for r in mine],
                     "arrayminus": [r["p50"] - r["p10"] for r in mine]}))
    fig.update_yaxes(title_text="revenue won in the period")
    fig.update_xaxes(title_text="origin (forecast made at the start of that day)")
    return fig


def method_colours(methods: Sequence[str]) -> dict[str, str]:
    """One palette colour per method, in the order given (the same on every chart)."""
    return {m: charts.COLORWAY[i % len(charts.COLORWAY)] for i, m in enumerate(methods)}


SYMBOLS = ("diamond", "square", "triangle-up", "x")


def _spread(rows: Sequence[Row]) -> dict[str, Any]:
    return {"type": "data", "symmetric": False, "thickness": 2, "width": 6,
            "array": [r["p90"] - r["p50"] for r in rows],
            "arrayminus": [r["p50"] - r["p10"] for r in rows]}


def _label(r: Row) -> str:
    """A method as a person reads it: its label, else its id."""
    return str(r.get("method_label") or r["method"])


def _hover(r: Row) -> list[str]:
    return [fmt.money(r["p50"]), fmt.money(r["p10"]), fmt.money(r["p90"])]


def forecast_figure(rows: Sequence[Row]) -> go.Figure:
    """One period's revenue per method: P50 with its P10–P90 interval (rows of `forecast
    --by all`); a dotted line marks what is already won in the period."""
    rows = [r for r in rows if r.get("p50") is not None]
    if not rows:
        return charts.empty("No forecast")
    colours = method_colours([str(r["method"]) for r in rows])
    fig = charts.figure(110 + 46 * len(rows))
    for i, r in enumerate(rows):
        method = str(r["method"])
        fig.add_trace(go.Scatter(
            x=[r["p50"]], y=[_label(r)], mode="markers", name=_label(r), showlegend=False,
            marker={"symbol": SYMBOLS[i % len(SYMBOLS)], "size": 12, "color": colours[method]},
            error_x=_spread([r]) | {"color": colours[method]}, cliponaxis=False,
            customdata=[_hover(r)],
            hovertemplate="%{y}: P50 %{customdata[0]} (P10 %{customdata[1]}, "
                          "P90 %{customdata[2]})<extra></extra>"))
    won = max(float(r.get("won_so_far") or 0.0) for r in rows)
    if won > 0:
        fig.add_vline(x=won, line={"dash": "dot", "color": "#57606a"},
                      annotation_text="already won", annotation_position="top left")
    fig.update_yaxes(categoryorder="array", categoryarray=[_label(r) for r in rows][::-1],
                     range=[-0.6, len(rows) - 0.4], title_text="method")
    fig.update_xaxes(title_text=f"revenue won in {rows[0].get('period') or 'the period'}",
                     rangemode="tozero", tickformat="~s")
    return fig


def backtest_actual_figure(rows: Sequence[Row]) -> go.Figure:
    """Per origin: the actual revenue as a bar and, side by side, each method's P50 with its
    P10–P90 interval (rows of `backtest_origins`); an interval that reaches the top of the bar
    held the actual."""
    if not rows:
        return charts.empty("No backtest origins")
    origins = sorted({str(r["origin"]) for r in rows})
    actual = {str(r["origin"]): r["actual"] for r in rows}
    fig = charts.figure(380)
    fig.add_trace(go.Bar(
        x=origins, y=[actual[o] for o in origins], name="actual",
        marker={"color": "#e3e6ea", "line": {"color": charts.BLACK, "width": 1.5}},
        customdata=[fmt.money(actual[o]) for o in origins],
        hovertemplate="%{x}: actual %{customdata}<extra></extra>"))
    methods = list(dict.fromkeys(str(r["method"]) for r in rows))
    colours = method_colours(methods)
    for i, method in enumerate(methods):
        mine = sorted((r for r in rows if r["method"] == method), key=lambda r: str(r["origin"]))
        fig.add_trace(go.Scatter(
            x=[str(r["origin"]) for r in mine], y=[r["p50"] for r in mine],
            name=_label(mine[0]),
            mode="markers", marker={"symbol": SYMBOLS[i % len(SYMBOLS)], "size": 10,
                                    "color": colours[method]},
            error_y=_spread(mine) | {"color": colours[method]}, cliponaxis=False,
            customdata=[[*_hover(r), fmt.money(r["actual"]),
                         "inside" if r["covered"] else "outside"] for r in mine],
            hovertemplate=_label(mine[0]) + " from %{x}: P50 %{customdata[0]} (P10 "
                          "%{customdata[1]}, P90 %{customdata[2]}); actual %{customdata[3]}, "
                          "%{customdata[4]}<extra></extra>"))
    fig.update_layout(scattermode="group", scattergap=0.35, bargap=0.12)
    fig.update_yaxes(title_text="revenue won in the period", rangemode="tozero",
                     tickformat="~s")
    fig.update_xaxes(title_text="origin", type="category")
    return fig


READING_MARKS = {"optimistic": (charts.VERMILLION, "triangle-right"),
                 "calls what is won": (charts.GREEN, "circle"),
                 "sandbagging": (charts.BLUE, "triangle-left")}


def _who(rep: Any, names: dict[str, str]) -> str:
    return fmt.named(rep, names.get(str(rep)))


def _in_rows(fig: go.Figure, labels: list[str]) -> None:
    """Rows in this order, bottom to top, with half a row of room at both ends."""
    fig.update_yaxes(categoryorder="array", categoryarray=labels,
                     range=[-0.6, len(labels) - 0.4], title_text="rep")


def _called_trace(reps: Sequence[Row], labels: list[str], key: str, name: str,
                  mark: tuple[str, str]) -> go.Scatter:
    shown = [(lab, r) for lab, r in zip(labels, reps, strict=True) if r.get(key) is not None]
    return go.Scatter(
        x=[r[key] for _, r in shown], y=[lab for lab, _ in shown], mode="markers", name=name,
        marker={"symbol": mark[1], "size": 11, "color": mark[0],
                "line": {"color": mark[0], "width": 2}}, cliponaxis=False,
        customdata=[fmt.money(r[key]) for _, r in shown],
        hovertemplate="%{y}: " + name + " %{customdata}<extra></extra>")


def calls_figure(rows: Sequence[Row], names: dict[str, str], period: str) -> go.Figure:
    """Per rep with a call or called deals: the commit as called (diamond) and the model's P50
    for the deals called commit with its P10-P90 (circle and whisker), best case as called
    (open diamond) beside them; the rep whose call is furthest above the model on top."""
    reps = [r for r in rows if r["level"] == "rep"
            and (r.get("commit") is not None or r.get("model_commit_p90"))]
    if not reps:
        return charts.empty(f"No calls for {period}")
    reps.sort(key=lambda r: (r.get("commit") or 0.0) - (r.get("model_commit_p50") or 0.0))
    labels = [_who(r["key"], names) for r in reps]
    fig = charts.figure(150 + 30 * len(reps))
    fig.add_trace(go.Scatter(
        x=[r["model_commit_p50"] for r in reps], y=labels, mode="markers",
        name="model: commit deals P50 (P10–P90)",
        marker={"symbol": "circle", "size": 10, "color": charts.BLUE},
        error_x={"type": "data", "symmetric": False, "thickness": 2, "width": 5,
                 "color": charts.BLUE,
                 "array": [r["model_commit_p90"] - r["model_commit_p50"] for r in reps],
                 "arrayminus": [r["model_commit_p50"] - r["model_commit_p10"] for r in reps]},
        customdata=[[fmt.money(r[f"model_commit_{q}"]) for q in ("p50", "p10", "p90")]
                    for r in reps], cliponaxis=False,
        hovertemplate="%{y}: the model gives the commit deals %{customdata[0]} (P10 "
                      "%{customdata[1]}, P90 %{customdata[2]})<extra></extra>"))
    fig.add_trace(_called_trace(reps, labels, "commit", "commit (called)",
                                (charts.VERMILLION, "diamond")))
    fig.add_trace(_called_trace(reps, labels, "best_case", "best case (called)",
                                (charts.ORANGE, "diamond-open")))
    _in_rows(fig, labels)
    unit = f" ({fmt.currency()})" if fmt.currency() else ""
    fig.update_xaxes(title_text=f"won in {period}{unit}", tickformat="~s")
    return fig


def record_figure(record: Sequence[Row], names: dict[str, str], level: float) -> go.Figure:
    """Per rep with past calls: commit called / revenue won (the bias, shrunk toward the team)
    with its interval; right of the dotted line at 1 the rep calls more than is won. The
    marker's colour and shape give the reading; the most optimistic on top."""
    rows = sorted((r for r in record if r.get("bias") is not None), key=lambda r: r["bias"])
    if not rows:
        return charts.empty("No past calls to compare with what was won")
    labels = [_who(r["rep"], names) for r in rows]
    fig = charts.figure(150 + 30 * len(rows))
    for reading, (colour, symbol) in READING_MARKS.items():
        part = [(lab, r) for lab, r in zip(labels, rows, strict=True)
                if r["reading"] == reading]
        if not part:
            continue
        fig.add_trace(go.Scatter(
            x=[r["bias"] for _, r in part], y=[lab for lab, _ in part], mode="markers",
            name=reading, marker={"symbol": symbol, "size": 12, "color": colour},
            error_x={"type": "data", "symmetric": False, "thickness": 2, "width": 5,
                     "color": colour, "array": [r["bias_hi"] - r["bias"] for _, r in part],
                     "arrayminus": [r["bias"] - r["bias_lo"] for _, r in part]},
            customdata=[[fmt.multiple(r["bias"]), fmt.multiple(r["bias_lo"]),
                         fmt.multiple(r["bias_hi"]), fmt.pct(r["hit_rate"]),
                         fmt.count(r["periods"])] for _, r in part], cliponaxis=False,
            hovertemplate="%{y}: called / won %{customdata[0]} (%{customdata[1]}–"
                          "%{customdata[2]}); commit reached in %{customdata[3]} of "
                          "%{customdata[4]} periods<extra>" + reading + "</extra>"))
    fig.add_vline(x=1, line={"dash": "dot", "color": "#57606a"})
    _in_rows(fig, labels)
    fig.update_xaxes(title_text=f"called / won ({level:.0%} interval)", ticksuffix="x")
    return fig
