"""Pipeline review: how much of the pipeline is real, and who is covered for their own win rate.

`review` is what `funnelwise review --as-of D --format json` prints and `coverage` what
`funnelwise coverage --as-of D --period P --format json` prints, over the page's scope (the
manager and team filters restrict the tables first, as on every page, so thresholds and win
rates are learnt from the scope's own history). `?as_of=YYYY-MM-DD` is the review date
(default: the page's as-of day, the end of the period filter, else the latest date in the
data); `?period=2026-Q3` the coverage period (default: the quarter of the review date, as the
command does). Without a quota overlapping the period the page says so instead of coverage.

`reps` joins, per rep, the three values (raw, qualified, realistic) with coverage against the
rep's own requirement; qualified coverage = (pipeline - disqualified value) / remaining target.

`changes` is the "What changed" section (`views.changes`, also `/api/changes`): the waterfall of
the coverage period's pipeline over the week up to the review date.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import plotly.graph_objects as go

from funnelwise.periods import Period
from funnelwise.pipeline.review import Review
from funnelwise.pipeline.run import coverage_period, has_quota, run_coverage, run_review
from funnelwise.presentation import pipeline as records
from funnelwise.presentation.accuracy import accuracy_json
from funnelwise.web.charts import pipeline as pipeline_charts
from funnelwise.web.context import Context
from funnelwise.web.page import Data, Page
from funnelwise.web.views import changes
from funnelwise.web.views.days import review_day

Row = dict[str, Any]
DEAL_FIELDS = records.QUALIFY_OUT
COVERAGE_FIELDS = ("quota", "won", "remaining_target", "open_pipeline", "coverage",
                   "win_rate", "win_rate_lo", "win_rate_hi", "required_coverage",
                   "required_lo", "required_hi", "gap", "projected_attainment",
                   "disqualified_value", "disqualified_share", "status", "reason")
VALUE_FIELDS = ("deals", "raw_value", "qualified_value", "realistic_value",
                "disqualified_deals", "flagged_deals")


def reviewed(ctx: Context, day: dt.date) -> Review:
    """The scope's pipeline review as of `day`, computed once per request (or report)."""
    key = ("pipeline.review", day)
    return ctx.remember(key, lambda: run_review(ctx.crm, as_of=day))


def coverage_rows(ctx: Context, day: dt.date, period: Period) -> tuple[list[Row], str | None]:
    """Coverage rows per rep for `period`, or why there are none (no quota overlaps it)."""
    if not has_quota(ctx.crm, period):
        return [], (f"no quota overlaps {period.label} ({period.start} to {period.end}) in "
                    f"{ctx.filters.scope.describe()}: coverage needs a target; pick another "
                    "period or import quotas.csv")
    key = ("pipeline.coverage", day, period)
    result = ctx.remember(key, lambda: run_coverage(ctx.crm, period=period, as_of=day,
                                                    reviewed=reviewed(ctx, day)))
    return result.records(), None


def _qualified_coverage(c: Row) -> float | None:
    remaining = c.get("remaining_target")
    if not remaining:
        return None
    return float((c["open_pipeline"] - c["disqualified_value"]) / remaining)


def rep_rows(totals: list[Row], coverage: list[Row], names: dict[str, str]) -> list[Row]:
    """Per rep (with open deals or a quota): values from the review, coverage and status."""
    values = {t["key"]: t for t in totals if t["level"] == "rep"}
    cover = {c["rep"]: c for c in coverage}
    keys = sorted(set(values) | set(cover), key=lambda k: (names.get(k, k), k))
    out = []
    for k in keys:
        v, c = values.get(k, {}), cover.get(k, {})
        out.append({
            "rep": k, "name": names.get(k, k), "team": v.get("team") or c.get("parent"),
            **{f: v.get(f, 0) for f in VALUE_FIELDS},
            **{f: c.get(f) for f in COVERAGE_FIELDS},
            "qualified_coverage": _qualified_coverage(c) if c else None,
        })
    return out


def warnings(opportunities: list[Row]) -> list[Row]:
    """Qualified deals that still carry warning flags, largest first."""
    rows = [{f: o[f] for f in DEAL_FIELDS} for o in opportunities
            if o["qualified"] and o["flags"]]
    return sorted(rows, key=lambda r: (-(r["amount"] or 0), r["opportunity_id"]))


def build(ctx: Context, *, as_of: str | None = None, period: str | None = None) -> Data:
    """The review and coverage of the scope's reps as of the review date."""
    day = review_day(ctx, as_of)
    chosen = coverage_period(period, day)
    review = {**records.review_payload(reviewed(ctx, day)),
              "accuracy": accuracy_json(ctx.accuracy())}
    coverage, missing = coverage_rows(ctx, day, chosen)
    names = {r["rep_id"]: r["name"] for r in ctx.reps()}
    overall = [t for t in review["totals"] if t["level"] == "all"]
    return {
        "title": "Pipeline review",
        "as_of": day.isoformat(),
        "period": chosen.record(),
        "names": names,
        "overall": overall[0] if overall else None,
        "reps": rep_rows(review["totals"], coverage, names),
        "warnings": warnings(review["opportunities"]),
        "coverage_missing": missing,
        "review": review,
        "coverage": coverage,
        "changes": changes.section(ctx, end=day, period=chosen),
    }


def figures(data: Data) -> dict[str, go.Figure]:
    return {
        "amounts": pipeline_charts.values_figure(data["reps"]),
        "coverage": pipeline_charts.coverage_figure(data["reps"]),
        **changes.figures(data["changes"]),
    }


PAGE = Page(name="pipeline", title="Pipeline review", route="/pipeline",
            api_route="/pipeline", build=build, charts=figures)
