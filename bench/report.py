"""The benchmark's report, and the funnelwise way of computing it (run as a child process).

REPORT is the one list of what the benchmark computes: each entry names a metric, the call
that produces it in funnelwise, its queries alone (for bench/anatomy.py), and the figures
every way must agree on (the columns that identify a row, then the figures).
`bench/sql/<name>.sql` and `pandas_report.<name>` are the two other ways; add all three when
a metric joins the report.

funnelwise computes more than the figures compared: shrunk estimates, intervals and parent
rates (`*_est`, `*_lo`, `*_hi`, `parent_rate`), which the hand-written ways leave out, and
the review's evidence sentence for every flag.

The pipeline review is the evidence review at the latest data (every open deal through the
seven rules, `realistic=False` as coverage runs it: the win-probability model is not in the
report); coverage is for the quarter of that date and reads the review's flags. Plan inputs
are what `funnelwise plan` reads for the quarter after it: rates, deal size, cycle and quota
per rep (the team's figures for a rep with too little history) and for the whole team; the
rates are shrunk posteriors, so the figures compared are the others.

Start-up (before the timed part) includes loading every module the report uses: funnelwise
loads Ibis's DuckDB backend when it first opens tables and SciPy's special functions when it
first shrinks an estimate; here both are loaded with the other imports, so the time after
start-up is what a long-lived process (which has them loaded) pays per report.

Run: python bench/report.py DATA_DIR OUT_DIR  (prints the time after start-up, and per
metric, as JSON)
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import scipy.special  # noqa: F401

from funnelwise.io.engines import duckdb_crm, load_duckdb_backend
from funnelwise.metrics.asof import as_of as view_at
from funnelwise.metrics.cycle import cycle, cycle_stats
from funnelwise.metrics.effectiveness import attribution_config, effectiveness, type_counts
from funnelwise.metrics.funnel import funnel, funnel_counts
from funnelwise.metrics.result import MetricResult
from funnelwise.metrics.winrates import winrate_counts, winrates
from funnelwise.periods import quarter_of
from funnelwise.pipeline import targets
from funnelwise.pipeline.coverage import CoverageOptions, coverage
from funnelwise.pipeline.review import review
from funnelwise.plan.estimate import Options
from funnelwise.plan.groups import load_groups
from funnelwise.schema.crm import Crm

if TYPE_CHECKING:
    import ibis.expr.types as ir


@dataclass(frozen=True)
class Metric:
    """A metric of the report: its funnelwise call, its queries alone, the figures compared.

    `run` takes the CRM and what earlier metrics of the report left for later ones (`shared`:
    coverage reads the review's flags, as the dashboard's pipeline page does).
    """

    name: str
    run: Callable[[Crm, dict[str, Any]], pd.DataFrame]
    queries: Callable[[Crm], list[ir.Table]]
    keys: tuple[str, ...]
    figures: tuple[str, ...]


BY_LEVEL = ("rep", "team", "all")
RULES = ("amount_above_history", "older_than_won_cycle", "missing_outcomes",
         "close_date_passed", "close_date_pushed", "no_customer_activity", "stalled_in_stage")


def review_by_rep(crm: Crm, shared: dict[str, Any]) -> pd.DataFrame:
    """The review's totals per rep, with the flags each rule raised on the rep's deals."""
    rv = shared["review"] = review(crm, realistic=False)
    t = rv.totals[rv.totals["level"] == "rep"].set_index("key")
    rep = rv.deals.set_index("opportunity_id")["rep"]
    per_rule = rv.flags.assign(rep=rv.flags["opportunity_id"].map(rep)).pivot_table(
        index="rep", columns="rule", values="opportunity_id", aggfunc="size", fill_value=0)
    t = t.join(per_rule.reindex(columns=list(RULES), fill_value=0)).fillna(
        dict.fromkeys(RULES, 0))
    return t.rename_axis("key").reset_index()


def review_queries(crm: Crm) -> list[ir.Table]:
    return list(review(crm, realistic=False).exprs.values())


def coverage_queries(crm: Crm) -> list[ir.Table]:
    snap = view_at(crm)
    return [targets.won_so_far(crm, quarter_of(snap.day), snap, "rep"),
            targets.value_counts(crm, snap, CoverageOptions().lookback_days, "rep")]


def plan_by_rep(crm: Crm, shared: dict[str, Any]) -> pd.DataFrame:
    """What `funnelwise plan --period Q` reads, Q the quarter after the review date's: each
    rep's own figures (or the team's, with too little history) and the whole team's row."""
    snap = shared["review"].at if "review" in shared else view_at(crm)
    period = quarter_of(quarter_of(snap.day).end + dt.timedelta(days=1))
    g = load_groups(crm, period, Options())
    rows = [*zip(g.funnels, g.targets, strict=True), (g.team, g.team_target)]
    return pd.DataFrame([
        {"key": f.key, "source": f.source, "quota": t.quota, "wins": f.deal_size.wins,
         "deal_size": f.deal_size.mean, "deal_cv": f.deal_size.cv,
         "cycle_days": f.timing.cycle_days, "cycle_late_days": f.timing.cycle_late_days}
        for f, t in rows])


def plan_queries(crm: Crm) -> list[ir.Table]:
    return [funnel_counts(crm, by="rep"), *(cycle_stats(crm, by=by) for by in BY_LEVEL)]


def frame(result: Callable[[Crm], MetricResult]) -> Callable[[Crm, dict[str, Any]], pd.DataFrame]:
    return lambda crm, shared: result(crm).frame


def one(query: Callable[[Crm], ir.Table]) -> Callable[[Crm], list[ir.Table]]:
    return lambda crm: [query(crm)]


REPORT: tuple[Metric, ...] = (
    Metric("winrates", frame(lambda crm: winrates(crm, by="rep")),
           one(lambda crm: winrate_counts(crm, by="rep")), ("key",),
           ("parent", "won", "lost", "closed", "win_rate", "value_win_rate", "won_value",
            "lost_value")),
    Metric("funnel", frame(lambda crm: funnel(crm, by="rep")),
           one(lambda crm: funnel_counts(crm, by="rep")), ("key", "step"),
           ("parent", "count", "advanced", "dropped", "open", "rate")),
    Metric("cycle", frame(lambda crm: cycle(crm, by="rep")),
           one(lambda crm: cycle_stats(crm, by="rep")), ("key",),
           ("parent", "won", "mean_days", "p25_days", "median_days", "p75_days", "p90_days")),
    Metric("effectiveness", frame(lambda crm: effectiveness(crm, by="rep")),
           one(lambda crm: type_counts(crm, attribution_config(crm.funnel), by="rep")),
           ("key", "type"), ("parent", "volume", "outputs", "outcomes", "productive")),
    Metric("review", review_by_rep, review_queries, ("key",),
           ("deals", "raw_value", "qualified_value", "disqualified_deals", "flagged_deals",
            *RULES)),
    Metric("coverage",
           lambda crm, shared: coverage(crm, reviewed=shared.get("review")).frame.rename(
               columns={"rep": "key"}),
           coverage_queries, ("key",),
           ("parent", "quota", "won", "remaining_target", "open_pipeline", "deals", "coverage",
            "value_win_rate", "disqualified_value", "disqualified_share")),
    Metric("plan_inputs", plan_by_rep, plan_queries, ("key",),
           ("source", "quota", "wins", "deal_size", "deal_cv", "cycle_days", "cycle_late_days")),
)


def main(data: Path, out: Path) -> None:
    load_duckdb_backend()
    start = time.perf_counter()
    crm = duckdb_crm(data)
    times = {"setup": time.perf_counter() - start}
    shared: dict[str, Any] = {}
    for metric in REPORT:
        began = time.perf_counter()
        metric.run(crm, shared).to_parquet(out / f"{metric.name}.parquet")
        times[metric.name] = time.perf_counter() - began
    print(json.dumps({"report": time.perf_counter() - start, "parts": times}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
