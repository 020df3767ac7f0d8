"""Each rep's own figures from the workspace: rates, deal size, sales cycle, quota.

- rates: the funnel's step rates (`funnelwise funnel`), as Beta posteriors. `shrunk`: the
  posterior of `shrinkage` (the rep's rate toward its team's, the team's learnt from its
  reps, averaged over the prior strengths), summarised by the Beta with the same mean and
  variance, so the uncertainty about the prior widens the plan's intervals as it widens the
  metrics'; `raw`: the raw rate k / n with a Jeffreys Beta(k + 1/2, n - k + 1/2).
  The win rate is the funnel's last rate: qualified opportunities that closed won.
- deal size S: the average won amount; its standard error cv S / sqrt(wins), cv being the
  spread of single deals: the rep's own once it has 30 wins, before that the within-rep
  spread pooled over all reps (a handful of deals says little about their spread).
- cycle: median and 90th percentile of won deals' days from creation to close.
- quota: the quotas overlapping the period, pro rata by days of overlap.
- `forward` (the forward projection): a rep whose rate at a step changed mid-history gets its
  counts since the change there (`plan.recent`).

A rep with fewer than `min_deals` closed opportunities (or a step with no data) gets the
team's figures instead, and says so in `note`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from funnelwise.errors import UserError
from funnelwise.frames import rows
from funnelwise.metrics.cycle import cycle_stats
from funnelwise.metrics.dimensions import ALL, keyed, window
from funnelwise.metrics.funnel import funnel_counts, funnel_of
from funnelwise.metrics.result import deferred_sql
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL, Posterior, group_posterior, parents_of
from funnelwise.periods import Period
from funnelwise.plan import leadtime
from funnelwise.plan.model import DealSize, Rate, RepFunnel
from funnelwise.plan.quotas import pro_rata
from funnelwise.plan.recent import Change, since_changes
from funnelwise.schema.crm import Crm

RATE_MODES = ("shrunk", "raw")
MIN_DEALS = 10
OWN_CV_WINS = 30


@dataclass(frozen=True)
class Options:
    """How figures are estimated: grouping, look-back window, rate mode, fallback threshold."""

    by: str = "rep"
    since: dt.date | None = None
    until: dt.date | None = None
    rates: str = "shrunk"
    level: float = DEFAULT_LEVEL
    min_deals: int = MIN_DEALS
    step_lag_days: float = leadtime.DEFAULT_STEP_LAG_DAYS
    forward: bool = False


@dataclass(frozen=True)
class Figures:
    """One grouping's figures, indexed by key: rate posteriors, deal sizes, cycles; and the
    SQL behind them, compiled when read (`--explain`)."""

    rates: pd.DataFrame
    deals: pd.DataFrame
    cycles: pd.DataFrame
    sql: dict[str, Callable[[], str]] = field(default_factory=dict)

    @cached_property
    def rates_of(self) -> dict[str, list[dict[str, Any]]]:
        """Each key's rate rows (step, n, value, alpha, beta), in step order."""
        out: dict[str, list[dict[str, Any]]] = {}
        for row in rows(self.rates, ["key", "step", "n", "value", "alpha", "beta"]):
            out.setdefault(str(row["key"]), []).append(row)
        return out

    @cached_property
    def deal_of(self) -> dict[str, dict[str, Any]]:
        """Each key's deal size figures (wins, mean, sd, cv, se)."""
        return {str(k): v for k, v in self.deals.to_dict(orient="index").items()}

    @cached_property
    def cycle_of(self) -> dict[str, dict[str, Any]]:
        """Each key's cycle figures (median_days, p90_days, ...)."""
        return {str(k): v for k, v in self.cycles.to_dict(orient="index").items()}


def _link_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """k (converted) and n (trials) of every step that has a next step."""
    nxt = frame.groupby("key")["count"].shift(-1)
    cohort = frame["method"] == "cohort"
    adv = pd.to_numeric(frame["advanced"]).astype(float)
    drop = pd.to_numeric(frame["dropped"]).astype(float)
    out = frame.assign(k=np.where(cohort, adv, nxt), n=np.where(cohort, adv + drop,
                                                                frame["count"]))
    out = out[out["next_step"].notna()].copy()
    out["k"] = np.minimum(out["k"].astype(float), out["n"].astype(float))
    return out[["key", "parent", "step", "k", "n"]].reset_index(drop=True)


def _posterior(part: pd.DataFrame, mode: str) -> pd.DataFrame:
    k, n = part["k"].to_numpy(float), part["n"].to_numpy(float)
    if mode == "raw":
        return part.assign(value=k / np.where(n > 0, n, np.nan), alpha=k + 0.5,
                           beta=n - k + 0.5)
    post, _ = group_posterior(k, n, parents_of(part))
    alpha, beta = matched_beta(post)
    return part.assign(value=alpha / (alpha + beta), alpha=alpha, beta=beta)


def matched_beta(post: Posterior) -> tuple[np.ndarray, np.ndarray]:
    """Per group, the Beta(alpha, beta) with the mixture posterior's mean and variance."""
    a, b, w = post.a, post.b, post.weights
    means = a / (a + b)
    second = (means * (a + 1) / (a + b + 1) * w).sum(axis=1)
    mean = (means * w).sum(axis=1)
    var = np.maximum(second - mean**2, 1e-300)
    total = np.maximum(mean * (1 - mean) / var - 1, 1e-9)
    return mean * total, (1 - mean) * total


@dataclass(frozen=True)
class Counts:
    """A grouping's funnel counts (`funnel_counts`, fetched) and the SQL they came from."""

    frame: pd.DataFrame
    sql: Callable[[], str]


def funnel_counts_of(crm: Crm, opts: Options, by: str) -> Counts:
    """The funnel counts of `by` in the options' window, fetched once."""
    expr = funnel_counts(crm, by=by, since=opts.since, until=opts.until)
    return Counts(frame=expr.to_pandas(), sql=deferred_sql(expr))


def rate_posteriors(crm: Crm, opts: Options, by: str, counts: Counts | None = None,
                    changes: Sequence[Change] = ()) -> tuple[pd.DataFrame, Callable[[], str]]:
    """One row per (key, step): k, n, the rate used and its Beta posterior; and the SQL.

    `counts`: this grouping's funnel counts when the caller has them (rolled up from a finer
    grouping), so the activities are not read again. `changes`: reps whose counts at a step
    are those since a change (`plan.recent`).
    """
    if opts.rates not in RATE_MODES:
        raise UserError(f"--rates must be shrunk or raw, got {opts.rates!r}")
    counts = counts or funnel_counts_of(crm, opts, by)
    result = funnel_of(crm, counts.frame, sql=counts.sql, by=by, since=opts.since,
                       until=opts.until, level=opts.level)
    links = since_changes(_link_counts(result.frame), list(changes))
    parts = [_posterior(part, opts.rates)
             for _, part in links.groupby("step", sort=False)]
    if not parts:
        return links.assign(value=[], alpha=[], beta=[]), counts.sql
    return pd.concat(parts).sort_index(), counts.sql


def pooled_cv(frame: pd.DataFrame) -> float:
    """Within-group coefficient of variation of won amounts, pooled over groups:
    sqrt(sum (n - 1) (sd / mean)^2 / sum (n - 1)). Steadier than one rep's few deals."""
    ok = frame[frame["wins"] >= 2]
    dof = ok["wins"] - 1
    return float(np.sqrt((dof * (ok["sd"] / ok["mean"]) ** 2).sum() / max(dof.sum(), 1)))


def deal_sizes(crm: Crm, opts: Options, by: str) -> tuple[pd.DataFrame, Callable[[], str]]:
    """Per key: wins, average won amount S, single-deal cv, and the standard error of S."""
    o = crm.opportunities
    won = o.filter(o.status == "won", o.amount.notnull(), window(o.closed_at, opts.since,
                                                                  opts.until))
    g = keyed(crm, won, rep_col="owner_rep_id", by=by)
    expr = g.group_by("key").aggregate(wins=g.count(), mean=g.amount.mean(),
                                       sd=g.amount.std())
    frame = expr.to_pandas()
    own = frame["wins"] >= OWN_CV_WINS
    frame["cv"] = np.where(own, frame["sd"] / frame["mean"], pooled_cv(frame))
    frame["se"] = frame["cv"] * frame["mean"] / np.sqrt(frame["wins"])
    return frame.set_index("key"), deferred_sql(expr)


def figures(crm: Crm, opts: Options, by: str, counts: Counts | None = None,
            changes: Sequence[Change] = ()) -> Figures:
    """Rates, deal sizes and cycles of every group of `by` (`counts`: its funnel counts,
    when already fetched; `changes`: counts since a change, as `rate_posteriors`)."""
    rates, rates_sql = rate_posteriors(crm, opts, by, counts, changes)
    deals, deals_sql = deal_sizes(crm, opts, by)
    cyc = cycle_stats(crm, by=by, since=opts.since, until=opts.until)
    return Figures(rates=rates, deals=deals, cycles=cyc.to_pandas().set_index("key"),
                   sql={"funnel": rates_sql, "deal_size": deals_sql,
                        "cycle": deferred_sql(cyc)})


def period_quotas(crm: Crm, period: Period,
                  by: str) -> tuple[pd.DataFrame, Callable[[], str]]:
    """Per key: the quota for the period, each quota row counted pro rata to its overlap."""
    frame, expr = pro_rata(crm, period, by)
    if frame.empty:
        raise UserError(f"no quota overlaps {period.label} ({period.start} to {period.end}); "
                        "import quotas.csv (rep_id, period_start, period_end, amount) or give "
                        "the numbers with --quota, --deal-size, --win-rate and --step")
    return frame, deferred_sql(expr)


def thin_history(fig: Figures, key: str, opts: Options) -> str:
    """'' when the group's own history is enough, else why not."""
    rates = fig.rates_of.get(key, [])
    if not rates or key not in fig.deal_of or key not in fig.cycle_of:
        return "no closed deals of its own"
    closed = int(rates[-1]["n"])
    if closed < opts.min_deals:
        return f"only {closed} closed opportunities (fewer than {opts.min_deals})"
    if not all(r["n"] > 0 and r["value"] > 0 for r in rates):
        return "a funnel step with no data"
    return ""


def build_funnel(crm: Crm, fig: Figures, key: str, opts: Options, *, parent: str = "",
                 source: str = "own", note: str = "") -> RepFunnel:
    """The RepFunnel of one group from its figures."""
    deal, cyc = fig.deal_of[key], fig.cycle_of[key]
    steps = crm.funnel.steps
    opp = next((s.name for s in steps if s.is_opportunity_step), steps[-2].name)
    return RepFunnel(
        key=key, final_step=steps[-1].name, opportunity_step=opp,
        rates=tuple(Rate(step=r["step"], value=float(r["value"]), alpha=float(r["alpha"]),
                         beta=float(r["beta"])) for r in fig.rates_of.get(key, [])),
        deal_size=DealSize(mean=float(deal["mean"]), se=float(deal["se"]),
                           cv=float(deal["cv"]), wins=int(deal["wins"])),
        timing=leadtime.timing(crm.funnel, float(cyc["median_days"]), float(cyc["p90_days"]),
                               opts.step_lag_days),
        parent=parent, source=source, note=note,
    )


def fallback_key(parent: str, parents: Figures) -> str:
    """The parent group whose figures a rep with too little history borrows."""
    return parent if has_figures(parents, parent) else ALL


def has_figures(fig: Figures, key: str) -> bool:
    """True when the group has rates, won deals and cycle times to plan with."""
    return key in fig.rates_of and key in fig.deal_of and key in fig.cycle_of
