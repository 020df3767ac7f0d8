"""The reliability chart: the win probabilities the review gave, by tenth, against the share
of those deals that was won (`funnelwise accuracy`'s reliability table). Honest probabilities
sit on the diagonal; above it, deals were won more often than said."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from funnelwise import formats as fmt
from funnelwise.web.charts import base as charts

Row = dict[str, Any]


def reliability_figure(rows: Sequence[Row]) -> go.Figure:
    """Per tenth of probability: mean predicted (x) against share won (y), marker area by the
    number of deals; the dotted diagonal is a perfectly calibrated model."""
    rows = [r for r in rows if r.get("deals")]
    if not rows:
        return charts.empty("No closed deals to score the probabilities on")
    fig = charts.figure(340)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="said = won",
                             line={"color": charts.BLACK, "dash": "dot", "width": 1},
                             hoverinfo="skip"))
    most = max(int(r["deals"]) for r in rows)
    fig.add_trace(go.Scatter(
        x=[r["mean_probability"] for r in rows], y=[r["share_won"] for r in rows],
        mode="markers", name="deals by tenth of probability",
        marker={"color": charts.BLUE, "symbol": "circle", "sizemode": "area",
                "size": [int(r["deals"]) for r in rows], "sizeref": most / 900, "sizemin": 5},
        customdata=[[str(r["bucket"]), fmt.count(r["deals"]), fmt.pct(r["mean_probability"]),
                     fmt.pct(r["share_won"])] for r in rows],
        hovertemplate="probability %{customdata[0]}: %{customdata[1]} deals<br>said "
                      "%{customdata[2]}, won %{customdata[3]}<extra></extra>"))
    for update in (fig.update_xaxes, fig.update_yaxes):
        update(range=[0, 1], tickformat=".0%")
    fig.update_xaxes(title_text="win probability the review gave (mean of the tenth)")
    fig.update_yaxes(title_text="share of those deals won")
    return fig
