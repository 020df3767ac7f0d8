"""Win-rate-aware pipeline coverage: enough pipeline for each rep's own win rate?

For one rep (or group) and one period, reviewed as of a date D:

    remaining target    R = max(quota - won so far, 0)
    open pipeline       P = deals open at D expected to close by the period end (overdue
                            ones included: they should close as soon as possible)
    coverage            C = P / R
    required coverage   1 / w, w the shrunk value win rate (`targets`); interval 1/w_hi..1/w_lo
    gap                 R / w - P   (money short of the pipeline needed; negative: a surplus)
    projected           won + P w;   projected attainment = projected / quota

A rep who wins half her deals needs 2x; one who wins a fifth needs 5x, and at a blanket 3x
reaches 60% of target. Status: `under-covered` (C < 1/w), `healthy`, `over-covered`
(C > over_factor / w), `inflated` (over-covered while at least inflation_share of P has
disqualifying review flags: the coverage is a comfort blanket, not evidence), `target met`.
With `blanket`, `blanket_view` says what a blanket multiple would conclude and
`blanket_misjudges` whether that differs from the rep's own requirement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from funnelwise.errors import InternalError
from funnelwise.formats import money, multiple, pct
from funnelwise.metrics.asof import as_of as view_at
from funnelwise.metrics.dimensions import NONE, check_by, filters, keyed
from funnelwise.metrics.result import MetricResult, deferred_sql
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL, prior_note
from funnelwise.periods import Period, default_period
from funnelwise.pipeline import targets
from funnelwise.pipeline.config import ReviewConfig
from funnelwise.pipeline.review import Review, review
from funnelwise.pipeline.rules import label
from funnelwise.schema.crm import Crm

BY = ("rep", "manager", "team")
COLUMNS = ["quota", "won", "remaining_target", "open_pipeline", "deals", "coverage",
           "value_win_rate", "win_rate", "win_rate_lo", "win_rate_hi", "required_coverage",
           "required_lo", "required_hi", "gap", "projected", "projected_attainment",
           "disqualified_value", "disqualified_share", "status", "reason"]
BLANKET = ["blanket", "blanket_view", "blanket_misjudges"]


@dataclass(frozen=True)
class CoverageOptions:
    """How coverage is judged: win-rate window, status thresholds, optional blanket multiple."""

    lookback_days: int = 365
    over_factor: float = 2.0
    inflation_share: float = 0.25
    blanket: float | None = None
    level: float = DEFAULT_LEVEL
    prior_strength: float | None = None


def in_period(deals: pd.DataFrame, period: Period, as_of: dt.date) -> pd.Series:
    """Deals expected to close by the period end: in the period, or overdue at `as_of`."""
    close = pd.to_datetime(deals["expected_close_date"]).dt.date
    known = close.notna()
    due = close.where(known, period.end)
    return known & (due <= period.end) & ((due >= period.start) | (due < as_of))


def _pipeline(rv: Review, period: Period, groups: pd.Series, by: str) -> pd.DataFrame:
    """Per group: the open pipeline expected in the period, its deals and disqualified value.

    An owner missing from the reps table is a group of their own by rep, else in `(none)`,
    as the quota and the won deals are keyed."""
    d = rv.deals[in_period(rv.deals, period, rv.at.day)]
    key = d["rep"].map(groups)
    key = key.fillna(d["rep"]) if by == "rep" else key.fillna(NONE)
    d = d.assign(key=key, _bad=np.where(d["qualified"], 0.0, d["amount"]))
    bad = rv.flags[rv.flags["disqualifying"]].merge(d[["opportunity_id", "key"]])
    per_rule = bad.drop_duplicates(["opportunity_id", "rule"]).groupby(
        ["key", "rule"]).size().reset_index(name="n")
    names = per_rule["rule"].map(label).str.lower()
    text = (names + " " + per_rule["n"].astype(str)).groupby(per_rule["key"]).agg(", ".join)
    out = d.groupby("key").agg(open_pipeline=("amount", "sum"), deals=("amount", "size"),
                               disqualified_value=("_bad", "sum"))
    out["rules"] = out.index.map(text)
    return out.reset_index()


def _status(r: pd.Series, opts: CoverageOptions) -> tuple[str, str]:
    need, have = r["required_coverage"], r["coverage"]
    if r["remaining_target"] <= 0:
        return "target met", f"won {money(r['won'])} of a {money(r['quota'])} quota"
    if not np.isfinite(need):
        return "unknown", "no closed deals to learn a win rate from"
    if have < need:
        close = " (within the win rate's interval)" if have >= r["required_lo"] else ""
        return "under-covered", (f"needs {multiple(need)} at a value win rate of "
                                 f"{pct(r['win_rate'])}, has {multiple(have)}: "
                                 f"{money(r['gap'])} short{close}")
    if have <= opts.over_factor * need:
        return "healthy", f"needs {multiple(need)}, has {multiple(have)}"
    head = f"{multiple(have)} against {multiple(need)} needed"
    if r["disqualified_share"] >= opts.inflation_share:
        qualified = (r["open_pipeline"] - r["disqualified_value"]) / r["remaining_target"]
        return "inflated", (f"{head}, but {pct(r['disqualified_share'])} of the pipeline has "
                            f"disqualifying flags ({r['rules']}); qualified pipeline covers "
                            f"{multiple(qualified)}")
    return "over-covered", f"{head}: more than {multiple(opts.over_factor)} the requirement"


def _blanket(r: pd.Series, multiple: float) -> tuple[str, bool]:
    view = "covered" if r["coverage"] >= multiple else "short"
    wrong = (view == "covered" and r["status"] in ("under-covered", "inflated")) or (
        view == "short" and r["status"] in ("healthy", "over-covered"))
    return view, bool(wrong)


def _figures(f: pd.DataFrame) -> pd.DataFrame:
    f["remaining_target"] = (f["quota"] - f["won"]).clip(lower=0.0)
    f["coverage"] = f["open_pipeline"] / f["remaining_target"].where(f["remaining_target"] > 0)
    f["required_coverage"] = 1 / f["win_rate"]
    f["required_lo"], f["required_hi"] = 1 / f["win_rate_hi"], 1 / f["win_rate_lo"]
    f["gap"] = f["remaining_target"] * f["required_coverage"] - f["open_pipeline"]
    f["projected"] = f["won"] + f["open_pipeline"] * f["win_rate"]
    f["projected_attainment"] = f["projected"] / f["quota"]
    f["disqualified_share"] = (f["disqualified_value"] / f["open_pipeline"].where(
        f["open_pipeline"] > 0)).fillna(0.0)
    return f


ZERO = ["won", "closed", "won_value", "closed_value", "square_value", "open_pipeline", "deals",
        "disqualified_value"]


def _inputs(crm: Crm, rv: Review, period: Period, by: str, quota: pd.DataFrame,
            counts: ir.Table) -> pd.DataFrame:
    """Per group with a quota: quota, won so far, closed-deal values, pipeline and flags."""
    groups = keyed(crm, crm.reps, rep_col="rep_id", by=by).select("rep_id", "key").to_pandas()
    won = targets.won_so_far(crm, period, rv.at, by).to_pandas()
    f = quota.merge(won, on="key", how="left").merge(
        counts.to_pandas().drop(columns="parent"), on="key", how="left")
    f = f.merge(_pipeline(rv, period, groups.set_index("rep_id")["key"], by), on="key",
                how="left")
    f[ZERO] = f[ZERO].fillna(0.0)
    f["rules"] = f["rules"].fillna("")
    return f


def _verdicts(f: pd.DataFrame, opts: CoverageOptions) -> list[str]:
    """Add status and reason (and the blanket view); return the blanket columns added."""
    f["status"], f["reason"] = zip(*(_status(r, opts) for _, r in f.iterrows()), strict=True)
    if opts.blanket is None:
        return []
    f["blanket"] = opts.blanket
    f["blanket_view"], f["blanket_misjudges"] = zip(
        *(_blanket(r, opts.blanket) for _, r in f.iterrows()), strict=True)
    return BLANKET


def _check_review(rv: Review, as_of: dt.date | None, config: ReviewConfig | None) -> None:
    """A review handed to coverage must be of the whole pipeline, on the day and with the
    thresholds asked for."""
    if as_of is not None and rv.at.day != as_of:
        raise InternalError(f"coverage as of {as_of} given the review of {rv.at.day}")
    if rv.rep is not None:
        raise InternalError(f"coverage given a review narrowed to {rv.rep}")
    if config is not None and rv.config != config:
        raise InternalError("coverage given a review made with other thresholds")


def coverage(crm: Crm, *, period: Period | None = None, as_of: dt.date | None = None,
             by: str = "rep", opts: CoverageOptions | None = None,
             config: ReviewConfig | None = None, reviewed: Review | None = None) -> MetricResult:
    """Coverage per group with a quota in `period` (default: the quarter of the review date),
    reviewed as of `as_of` (default: the latest data).

    `reviewed` is the pipeline review of that date when the caller has it already (a page
    showing both): its flags are used instead of running the rules again.
    """
    check_by(by, BY)
    opts = opts or CoverageOptions()
    if reviewed is not None:
        _check_review(reviewed, as_of, config)
    snap = reviewed.at if reviewed is not None else view_at(crm, as_of)
    period = period or default_period(snap.day)
    quota = targets.quotas(crm, period, by)
    rv = reviewed or review(crm, at=snap, config=config, realistic=False)
    counts = targets.value_counts(crm, snap, opts.lookback_days, by)
    f, m = targets.value_rates(_inputs(crm, rv, period, by, quota, counts), level=opts.level,
                               prior_strength=opts.prior_strength)
    f = _figures(f)
    columns = [by, "parent", *COLUMNS, *_verdicts(f, opts)]
    f["deals"] = f["deals"].astype("int64")
    f = f.rename(columns={"key": by}).sort_values(by).reset_index(drop=True)
    f = f[columns].assign(period=period.label, as_of=snap.day.isoformat())
    return MetricResult(
        name="coverage", frame=f, sql=deferred_sql(counts),
        filters=filters(by, period.start, period.end, period=period.label,
                        as_of=snap.day.isoformat(), lookback_days=opts.lookback_days,
                        pipeline="open at as_of, expected to close by the period end"),
        notes=("pipeline " + snap.describe(),
               prior_note(f"{m:.1f}", groups=len(f), level=opts.level,
                          given=opts.prior_strength is not None),
               "required coverage = 1 / value win rate; gap = remaining x required - pipeline",
               *rv.notes[1:2]),
    )
