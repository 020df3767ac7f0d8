"""Forecasts, backtests, repeatability and sources: terminal views (methods by their labels)
and the backtest's verdict in plain sentences.

`backtest_results(run_backtest(...))` (in `funnelwise.forecast.results`) gives the tables; the
charts are drawn by `funnelwise.web.charts.forecast`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from funnelwise import formats as fmt
from funnelwise.presentation.output import results_doc
from funnelwise.presentation.tables import Col, field, register_view

Row = dict[str, Any]

__all__ = ["backtest_verdict", "results_doc"]


def _money(name: str, priority: int = 0) -> Col:
    return Col(name.replace("_", " ").capitalize(), field(name, fmt.money), priority=priority)


def _interval(r: Row) -> str:
    return f"{fmt.money(r.get('p10'))}–{fmt.money(r.get('p90'))}"


METHOD = Col("Method", field("method_label", fmt.text), False, wrap=True)

register_view("forecast", "Forecast of won revenue (P50 with its P10–P90 interval)", (
    METHOD, Col("Group", field("key", fmt.text), False, wrap=True),
    Col("Won", field("won_so_far", fmt.money)),
    Col("Open", field("open_deals", fmt.count), priority=2),
    Col("+ open deals", field("open_expected", fmt.money), priority=1),
    Col("+ to come", field("new_expected", fmt.money), priority=1),
    Col("P50", field("p50", fmt.money)), Col("P10–P90", _interval),
))
register_view("backtest", "Backtest: accuracy per method over the origins", (
    METHOD, Col("Origins", field("origins", fmt.count)),
    Col("WAPE", field("wape", fmt.pct)), Col("Bias", field("bias", fmt.pct)),
    Col("P10–P90 covers", field("coverage", fmt.pct)),
    Col("Brier", field("brier", fmt.score), priority=1),
))
register_view("backtest_origins", "Backtest: forecast and actual per origin", (
    Col("Origin", field("origin", fmt.date), False),
    METHOD,
    Col("Actual", field("actual", fmt.money)), Col("P50", field("p50", fmt.money)),
    Col("P10–P90", _interval),
    Col("Inside", field("covered", lambda v: "yes" if v else "no"), False, priority=1),
))
register_view("sources", "Sources: leads, qualified pipeline and revenue", (
    Col("Source", field("key", fmt.text), False, wrap=True),
    Col("Leads", field("leads", fmt.count)),
    Col("Opps", field("opportunities", fmt.count)),
    Col("Pipeline", field("pipeline_value", fmt.money), priority=1),
    Col("Won", field("won_revenue", fmt.money)),
    Col("Lead to won", lambda r: fmt.estimate(r["conversion_est"], r["conversion_lo"],
                                              r["conversion_hi"]), wrap=True),
    Col("Days", field("median_days_to_win", fmt.days), priority=2),
))
register_view("repeatability_concentration", "How concentrated is the revenue?", (
    Col("Top deals", field("top", fmt.count)), _money("revenue"),
    Col("Share of revenue", field("share", fmt.pct)),
))
register_view("repeatability_accounts", "New and repeat business", (
    Col("Accounts", field("kind", fmt.text), False), Col("Deals", field("deals", fmt.count)),
    _money("revenue"), Col("Share", field("share", fmt.pct)),
))
register_view("repeatability_products", "Revenue by product", (
    Col("Product", field("product", fmt.text), False, wrap=True),
    Col("Deals", field("deals", fmt.count)),
    _money("revenue"), Col("Share", field("share", fmt.pct)),
))
register_view("repeatability_pipeline", "Next periods: qualified pipeline against the need", (
    Col("Period", field("period", fmt.text), False, wrap=True),
    Col("Open deals", field("open_deals", fmt.count)), _money("pipeline"),
    _money("run_rate", priority=2), _money("needed_pipeline"),
    Col("Coverage of need", field("coverage_of_need", fmt.pct)),
))


def _name(r: Row) -> str:
    """A method as its row labels it (its id when the row has no label)."""
    return str(r.get("method_label") or r["method"])


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(n, f"number {n}")


def _held(r: Row) -> str:
    origins = int(r["origins"])
    held = round(float(r["coverage"]) * origins)
    return f"{held} of {origins}"


def backtest_verdict(summary: Sequence[Row], *, ours: str = "funnelwise") -> str:
    """Which method's P50 came closest (lowest WAPE) and whether the P10–P90 intervals held
    the actuals, in plain sentences (rows of `backtest`)."""
    scored = sorted((r for r in summary if r.get("wape") is not None),
                    key=lambda r: float(r["wape"]))
    if not scored:
        return "No method could be scored: no revenue was won in the backtest periods."
    best, origins = scored[0], int(scored[0]["origins"])
    others = ", ".join(f"{_name(r)} {fmt.pct(r['wape'])}" for r in scored[1:])
    against = f", against {others}" if others else ""
    where = f"over {origins} origin{'s' if origins != 1 else ''}"
    if best["method"] == ours or ours not in [r["method"] for r in scored]:
        first = (f"{_name(best)} came closest {where}: its P50 missed the actual revenue "
                 f"by {fmt.pct(best['wape'])} (WAPE){against}.")
    else:
        rank = [r["method"] for r in scored].index(ours) + 1
        mine = scored[rank - 1]
        first = (f"{_name(best)} came closest {where} with a WAPE of "
                 f"{fmt.pct(best['wape'])}; {_name(mine)} was {_ordinal(rank)} at "
                 f"{fmt.pct(mine['wape'])}.")
    held = ", ".join(f"{_name(r)} {_held(r)}" for r in summary
                     if r.get("coverage") is not None)
    second = f"Origins where the P10–P90 interval held the actual: {held}."
    target = next((r for r in summary if r["method"] == ours), None)
    coverage = float(target["coverage"]) if target and target.get("coverage") is not None else None
    third, who = "", _name(target) if target else ours
    if coverage is not None and coverage >= 0.7:
        third = f" {who}'s intervals held about as often as honest 80% intervals should."
    elif coverage is not None and origins >= 3:
        third = (f" {who}'s intervals held less often than the 80% an honest interval "
                 "would: read its range as too narrow.")
    caution = ""
    if origins < 5:
        few = ", too few to judge the intervals" if third == "" and coverage is not None else ""
        caution = f" With {origins} origin{'s' if origins != 1 else ''} this is thin evidence{few}."
    return first + " " + second + third + caution
