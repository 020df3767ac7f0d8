"""Forecasts, backtests, repeatability and sources: terminal views, several tables at once, and
the backtest chart for the HTML report.

For the report: `backtest_results(run_backtest(...))` (in `funnelwise.forecast.results`) gives
the tables; `backtest_figure(origins_rows)` draws each method's P50 with its P10-P90 band
against the actual revenue, per origin.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
from rich.console import Console

from funnelwise.metrics.result import MetricResult
from funnelwise.report import charts
from funnelwise.report import formats as fmt
from funnelwise.report.tables import Col, field, print_table, register_view, to_csv
from funnelwise.report.tables import explain as explain_text

Row = dict[str, Any]


def _money(name: str) -> Col:
    return Col(name.replace("_", " ").capitalize(), field(name, fmt.money))


def _interval(r: Row) -> str:
    return f"{fmt.money_short(r.get('p10'))}–{fmt.money_short(r.get('p90'))}"


register_view("forecast", "Forecast of won revenue (P50 with its P10–P90 interval)", (
    Col("Method", field("method", fmt.text), False), Col("Group", field("key", fmt.text), False),
    Col("Won", field("won_so_far", fmt.money_short)),
    Col("Open", field("open_deals", fmt.count)),
    Col("+ open deals", field("open_expected", fmt.money_short)),
    Col("+ to come", field("new_expected", fmt.money_short)),
    Col("P50", field("p50", fmt.money_short)), Col("P10–P90", _interval),
))
register_view("backtest", "Backtest: accuracy per method over the origins", (
    Col("Method", field("method", fmt.text), False), Col("Origins", field("origins", fmt.count)),
    Col("WAPE", field("wape", fmt.pct)), Col("Bias", field("bias", fmt.pct)),
    Col("P10–P90 covers", field("coverage", fmt.pct)),
    Col("Brier", field("brier", lambda v: fmt.days(v) if v is None else f"{float(v):.3f}")),
))
register_view("backtest_origins", "Backtest: forecast and actual per origin", (
    Col("Origin", field("origin", fmt.text), False),
    Col("Method", field("method", fmt.text), False),
    Col("Actual", field("actual", fmt.money)), Col("P50", field("p50", fmt.money)),
    Col("P10–P90", _interval),
    Col("Inside", field("covered", lambda v: "yes" if v else "no"), False),
))
register_view("sources", "Sources: leads, qualified pipeline and revenue", (
    Col("Source", field("key", fmt.text), False), Col("Leads", field("leads", fmt.count)),
    Col("Opps", field("opportunities", fmt.count)),
    Col("Pipeline", field("pipeline_value", fmt.money_short)),
    Col("Won", field("won_revenue", fmt.money_short)),
    Col("Lead to won", lambda r: fmt.estimate(r["conversion_est"], r["conversion_lo"],
                                              r["conversion_hi"])),
    Col("Days", field("median_days_to_win", lambda v: fmt.days(v).replace(".0", ""))),
))
register_view("repeatability_concentration", "How concentrated is the revenue?", (
    Col("Top deals", field("top", fmt.count)), _money("revenue"),
    Col("Share of revenue", field("share", fmt.pct)),
))
register_view("repeatability_accounts", "New and existing accounts", (
    Col("Accounts", field("kind", fmt.text), False), Col("Deals", field("deals", fmt.count)),
    _money("revenue"), Col("Share", field("share", fmt.pct)),
))
register_view("repeatability_products", "Revenue by product", (
    Col("Product", field("product", fmt.text), False), Col("Deals", field("deals", fmt.count)),
    _money("revenue"), Col("Share", field("share", fmt.pct)),
))
register_view("repeatability_pipeline", "Next periods: qualified pipeline against the need", (
    Col("Period", field("period", fmt.text), False),
    Col("Open deals", field("open_deals", fmt.count)), _money("pipeline"),
    _money("run_rate"), _money("needed_pipeline"),
    Col("Coverage of need", field("coverage_of_need", fmt.pct)),
))


def emit_many(results: Sequence[MetricResult], *, fmt_name: str, explain: bool,
              console: Console, csv_index: int = 0) -> None:
    """Several results: tables one after another, one JSON object, or one of them as CSV."""
    if explain:
        sys.stdout.write("".join(explain_text(r) for r in results))
    elif fmt_name == "json":
        doc: dict[str, Any] = {r.name: r.records() for r in results}
        doc["notes"] = [n for r in results for n in r.notes]
        sys.stdout.write(json.dumps(doc, indent=2, default=str) + "\n")
    elif fmt_name == "csv":
        sys.stdout.write(to_csv(results[csv_index]))
    else:
        for r in results:
            print_table(console, r)


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
