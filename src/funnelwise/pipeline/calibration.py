"""Calibration: replay the realistic value on past dates and compare it with what happened.

The dates are walked by `metrics.walk`: at each date D the deals open at D get their win
probability p from the CRM as of D, so from deals closed before D only (`probability.fit`; the
pipelines of past days it learns from are built once for all dates, each as of its own day);
every deal that has closed since gives an outcome y (1 won, 0 lost, read once from the latest
data); deals still open in the latest data have no answer yet and are left out.

    Brier score          mean (p - y)^2 over resolved deals (0 is perfect; `metrics.brier`)
    baseline             the same with p = the team's share won of all deals closed before D
    skill                1 - Brier / baseline (above 0: the probabilities beat the constant)
    realistic vs actual  sum(amount x p) over the resolved deals against the amount they won

The reliability table bins (deal, date) pairs by probability (0-10%, ..., 90-100%): if the
probabilities are calibrated, the share won in each bin is close to its mean probability.
`deciles` cuts them instead into ten groups of equal size, by probability.
Default dates: every 30 days, six of them, the last one a won deal's 90th-percentile cycle
before the latest data, so most deals open then have closed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from funnelwise.errors import UserError
from funnelwise.metrics.asof import AsOf
from funnelwise.metrics.brier import brier, skill
from funnelwise.metrics.readiness import one_kind_only
from funnelwise.metrics.span import data_span
from funnelwise.metrics.walk import Origin, walk
from funnelwise.pipeline.config import ReviewConfig, review_config
from funnelwise.pipeline.history import won_cycle
from funnelwise.pipeline.landmarks import Pipeline, landmark_days, pipeline_on, pipelines
from funnelwise.pipeline.probability import fit
from funnelwise.schema.crm import Crm

BINS = np.linspace(0.0, 1.0, 11)
PAIR_COLUMNS = ["as_of", "opportunity_id", "rep", "stage", "age_days", "stage_days", "amount",
                "flags", "p", "baseline", "y"]
DATE_COLUMNS = ["as_of", "open_deals", "resolved_deals", "raw_value", "realistic_value",
                "realistic_resolved", "won_value", "still_open_value", "brier",
                "baseline_brier", "skill", "team_win_rate"]


@dataclass(frozen=True)
class Calibration:
    """Per-date comparison, the reliability table and the pooled scores."""

    dates: pd.DataFrame
    reliability: pd.DataFrame
    brier: float
    baseline_brier: float
    resolved: int
    bare: int = 0
    """(deal, date) pairs whose deal had no stage history before the date: placed at the
    funnel's first stage there."""
    pairs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PAIR_COLUMNS))
    """The resolved (deal, date) pairs scored: the deal as it stood (flags: the rules that
    flagged it, comma-separated), probability p, baseline, outcome y."""

    @property
    def skill(self) -> float:
        return skill(self.brier, self.baseline_brier)


def check_outcomes(crm: Crm) -> None:
    """A user error unless the data has won and lost deals with creation dates: without
    both, no probability can be told from a better or a worse one."""
    o = crm.opportunities
    o = o.filter(o.status.isin(["won", "lost"]))
    counts = o.aggregate(won=(o.status == "won").sum(), lost=(o.status == "lost").sum(),
                         dated=o.created_at.notnull().sum()).to_pandas().iloc[0]
    won, lost, dated = (int(counts[c] or 0) for c in ("won", "lost", "dated"))
    if why := one_kind_only(won, lost):
        raise UserError(why)
    if not dated:
        raise UserError("no closed deal has a creation date: the past pipeline cannot be "
                        "rebuilt, so there is nothing to calibrate against")


def default_dates(crm: Crm, *, last: dt.date | None = None, every: int = 30,
                  count: int = 6) -> list[dt.date]:
    """`count` dates `every` days apart ending at `last` (default: latest data - won p90)."""
    if every < 1 or count < 1:
        raise UserError("calibration needs at least one date and a step of at least one day")
    if last is None:
        check_outcomes(crm)
        today = data_span(crm).today
        horizon = won_cycle(crm, AsOf(today, today)).to_pandas()["limit_days"].iloc[0]
        if pd.isna(horizon):
            raise UserError("no won deal has a creation date: nothing to calibrate against")
        last = today - dt.timedelta(days=round(float(horizon)))
    return [last - dt.timedelta(days=every * i) for i in reversed(range(count))]


Seen = dict[dt.date, Pipeline]


def scored_deals(origin: Origin[Seen] | Origin[None], outcomes: pd.DataFrame, *,
                 config: ReviewConfig | None = None) -> pd.DataFrame:
    """Deals open at the origin with probability p (fitted on the CRM as of its day), the
    team-rate baseline and outcome y (`outcomes`: every deal's status in the latest data).
    `origin.seen` may hold the pipelines of the origin's day and of earlier days."""
    crm, snap = origin.history, origin.asof
    config = config or review_config(crm.funnel)
    seen = origin.seen or {}
    now = seen.get(snap.day) or pipeline_on(crm, snap, config)
    model = fit(crm, snap, config=config, current=now, seen=seen)
    d = now.deals.drop(columns=["status", "closed_at"])
    d = d.merge(outcomes.assign(opportunity_id=outcomes["opportunity_id"].astype(str)),
                on="opportunity_id", how="left")
    d["p"] = model.probability(d, now.flags).to_numpy()
    names = now.flags.sort_values("rule").groupby("opportunity_id")["rule"].agg(",".join)
    d["flags"] = d["opportunity_id"].map(names).fillna("")
    d["baseline"] = model.p_all
    d["resolved"] = d["status"] != "open"
    d["y"] = (d["status"] == "won").astype(float)
    return d.assign(as_of=origin.day)


def landmarks_for(config: ReviewConfig) -> Callable[[Crm, list[dt.date], dt.date], list[Seen]]:
    """A `walk` look: every pipeline the dates' fits read (their days and the landmark days
    before each), built once; each date gets those on or before its day."""
    def look(crm: Crm, days: list[dt.date], today: dt.date) -> list[Seen]:
        o = crm.opportunities
        first = o.filter(o.status.isin(["won", "lost"]), o.created_at.notnull()).closed_at.min()
        since = first.execute()
        wanted = set(days)
        for day in days:
            before = pd.Timestamp(since).date() if pd.notna(since) else None
            wanted |= set(landmark_days(day, before if before and before < day else None))
        built = pipelines(crm, wanted, today=today, config=config)
        return [{d: p for d, p in built.items() if d <= day} for day in days]
    return look


def _outcomes(crm: Crm) -> pd.DataFrame:
    o = crm.opportunities
    return o.select("opportunity_id", "status").to_pandas()


def _date_row(d: pd.DataFrame) -> dict[str, object]:
    r = d[d["resolved"]]
    score, base = brier(r["p"], r["y"]), brier(r["baseline"], r["y"])
    return {
        "as_of": d["as_of"].iloc[0], "open_deals": len(d), "resolved_deals": len(r),
        "raw_value": float(d["amount"].sum()),
        "realistic_value": float((d["amount"] * d["p"]).sum()),
        "realistic_resolved": float((r["amount"] * r["p"]).sum()),
        "won_value": float((r["amount"] * r["y"]).sum()),
        "still_open_value": float(d.loc[~d["resolved"], "amount"].sum()),
        "brier": score, "baseline_brier": base, "skill": skill(score, base),
        "team_win_rate": float(d["baseline"].iloc[0]),
    }


def reliability(scored: pd.DataFrame) -> pd.DataFrame:
    """Resolved (deal, date) pairs binned by probability: count, mean p, share won."""
    r = scored[scored["resolved"] & scored["p"].notna()]
    b = np.clip(np.digitize(r["p"], BINS[1:-1]), 0, len(BINS) - 2)
    g = r.assign(bin=b).groupby("bin")
    out = g.agg(deals=("y", "size"), mean_probability=("p", "mean"), share_won=("y", "mean"))
    out = out.reset_index()
    out["bucket"] = [f"{BINS[i]:.0%}-{BINS[i + 1]:.0%}" for i in out["bin"]]
    return out[["bucket", "deals", "mean_probability", "share_won"]]


def deciles(pairs: pd.DataFrame) -> pd.DataFrame:
    """Resolved pairs in ten groups of equal size by probability: count, mean p, share won,
    and error = mean p - share won."""
    r = pairs.sort_values(["p", "as_of", "opportunity_id"], kind="stable").reset_index(drop=True)
    r["decile"] = np.arange(len(r)) * 10 // max(len(r), 1)
    out = r.groupby("decile").agg(deals=("y", "size"), mean_probability=("p", "mean"),
                                  share_won=("y", "mean")).reset_index()
    out["error"] = out["mean_probability"] - out["share_won"]
    return out


def calibrate(crm: Crm, dates: list[dt.date], *,
              config: ReviewConfig | None = None) -> Calibration:
    """Replay the win probabilities on every date and score them against what happened."""
    check_outcomes(crm)
    config = config or review_config(crm.funnel)
    outcomes = _outcomes(crm)
    scored = walk(crm, dates, lambda origin: scored_deals(origin, outcomes, config=config),
                  look=landmarks_for(config))
    rows = pd.DataFrame([_date_row(d) for d in scored if len(d)], columns=DATE_COLUMNS)
    pooled = pd.concat(scored, ignore_index=True)
    r = pooled[pooled["resolved"] & pooled["p"].notna()]
    bare = int(r["bare"].sum())  # among the pairs scored
    if r.empty:
        raise UserError("no deal open on the calibration dates has closed since; pick earlier "
                        "dates (--as-of sets the last one)")
    return Calibration(
        dates=rows, reliability=reliability(pooled), resolved=len(r),
        brier=brier(r["p"], r["y"]), baseline_brier=brier(r["baseline"], r["y"]), bare=bare,
        pairs=r[PAIR_COLUMNS].reset_index(drop=True))
