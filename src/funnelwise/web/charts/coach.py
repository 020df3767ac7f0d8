"""Figures of the week's coaching: money at stake per rep by kind of flag, and the evidence.

`stake_figure` takes the flags as `funnelwise coach --format json` prints them;
`evidence_figure` takes each flag's gauge (`coach.scoped.gauge`): the recent figure with its
interval against the reference it was judged by. Palette and layout: `report.charts`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from funnelwise import formats as fmt
from funnelwise.coach.rules import label
from funnelwise.web.charts import base as charts

Row = dict[str, Any]

COLOURS = {
    "activity_goal_missed": charts.ORANGE, "conversion_drop": charts.VERMILLION,
    "pipeline_gap": charts.BLUE, "stalled_deals": charts.SKY,
}


def kind(rule: str) -> tuple[str, str]:
    """A rule's label (declared with the rule) and colour (other rules: purple)."""
    return label(rule), COLOURS.get(rule, charts.PURPLE)


def labels(rows: Sequence[Row]) -> dict[str, str]:
    """rep id -> its label: the name, with the id when two reps share a name."""
    names = {str(r["rep"]): str(r["name"] or r["rep"]) for r in rows}
    taken = list(names.values())
    return {rep: f"{n} ({rep})" if taken.count(n) > 1 and n != rep else n
            for rep, n in names.items()}


def stake_figure(flags: Sequence[Row]) -> go.Figure:
    """Per flagged rep: money at stake, one bar segment per kind of flag, largest rep on top."""
    flags = [f for f in flags if f.get("money") is not None]
    if not flags:
        return charts.empty("No red flags this week")
    who = labels(flags)
    totals: dict[str, float] = {}
    for f in flags:
        totals[who[f["rep"]]] = totals.get(who[f["rep"]], 0.0) + float(f["money"])
    order = sorted(totals, key=lambda k: (totals[k], k))
    fig = charts.figure(110 + 34 * len(order))
    for rule in dict.fromkeys(f["rule"] for f in flags):
        label, color = kind(rule)
        mine = [f for f in flags if f["rule"] == rule]
        fig.add_trace(go.Bar(
            y=[who[f["rep"]] for f in mine], x=[f["money"] for f in mine], orientation="h",
            name=label, marker={"color": color},
            customdata=[[f["title"], fmt.money(f["money"])] for f in mine],
            hovertemplate="%{y}: %{customdata[1]} at stake<br>%{customdata[0]}<extra>" + label
                          + "</extra>"))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(categoryorder="array", categoryarray=order, range=[-0.6, len(order) - 0.4],
                     title_text="rep")
    fig.update_xaxes(title_text="money at stake", rangemode="tozero")
    return fig


def evidence_figure(gauges: Sequence[Row]) -> go.Figure:
    """Each flag's recent figure as a share of its reference (100%: as usual, or on plan),
    with the recent figure's interval; colour and marker by kind of flag."""
    rows = [g for g in gauges if g.get("reference")]
    if not rows:
        return charts.empty("No rate or volume flags this week")
    who = labels(rows)
    names = [f"{who[g['rep']]}<br>{g['short']}" for g in rows]
    fig = charts.figure(120 + 44 * len(rows))
    for rule in dict.fromkeys(g["rule"] for g in rows):
        label, color = kind(rule)
        mine = [(lab, g) for lab, g in zip(names, rows, strict=True) if g["rule"] == rule]
        ref = [float(g["reference"]) for _, g in mine]
        x = [float(g["recent"]) / r for (_, g), r in zip(mine, ref, strict=True)]
        fig.add_trace(go.Scatter(
            x=x, y=[lab for lab, _ in mine], mode="markers", name=label,
            marker={"color": color, "size": 10},
            error_x={"type": "data", "color": color, "thickness": 1.5, "width": 4,
                     "array": [float(g["recent_hi"]) / r - v
                               for (_, g), r, v in zip(mine, ref, x, strict=True)],
                     "arrayminus": [v - float(g["recent_lo"]) / r
                                    for (_, g), r, v in zip(mine, ref, x, strict=True)]},
            customdata=[[g["measure"], g["recent"], g["recent_label"], g["reference"],
                         g["reference_label"]] for _, g in mine],
            hovertemplate="%{customdata[0]}: %{customdata[1]:,.3~f} (%{customdata[2]}) "
                          "against %{customdata[3]:,.3~f} (%{customdata[4]}): "
                          "%{x:.0%}<extra></extra>"))
    top = max(float(g["recent_hi"]) / float(g["reference"]) for g in rows)
    fig.add_vline(x=1.0, line={"dash": "dot", "color": "#57606a"})
    fig.update_yaxes(categoryorder="array", categoryarray=names[::-1],
                     range=[-0.6, len(names) - 0.4], title_text="rep and measure")
    fig.update_xaxes(tickformat=".0%", range=[0, max(1.1, top * 1.05)],
                     title_text="recent ÷ reference")
    return fig
