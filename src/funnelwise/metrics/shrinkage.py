"""Beta-binomial shrinkage: honest rates for small samples.

A rep who won 3 of 4 deals does not have a 75% win rate. Each group's rate gets a prior
centred on its parent's rate p and worth m deals:

    given m:   estimate = (k + m p) / (n + m),  posterior Beta(k + m p, n - k + m (1 - p))

A rep's parent is their team, whose rate is learnt from its reps; every other grouping's
parent is the organisation, whose rate is (K + 1/2) / (N + 1) (the half count keeps an
all-won or all-lost history off exactly 0 or 1). The prior strengths are learnt from all
groups and the estimate and interval average over them; the prior has heavier tails than a
Beta, so a rep unlike their team is not pulled all the way to it (`prior` has the model).
A given `prior_strength` is the plain Beta prior worth that many deals at both levels, the
team's rate being its pooled counts shrunk toward the organisation's and taken as known: the
worked example of docs/metrics.md (0 gives raw rates). This runs on aggregated counts (one
row per group), after the Ibis query.

On simulated orgs with known rates (`bench/winrate_truth.py`, docs/metrics.md) the intervals
hold the true rate at their nominal level at 50%, 80% and 95%, and for at least 90% of the
reps far from their team at 95%.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from funnelwise.formats import pct
from funnelwise.metrics import prior
from funnelwise.metrics.betamix import Posterior

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ALL", "DEFAULT_LEVEL", "Posterior", "Shrunk", "group_posterior", "parent_rate_array",
           "parent_rates", "parents_of", "plain_parent_rates", "plain_posterior", "posterior",
           "prior_note", "shrink", "shrink_counts", "typical_strength"]

DEFAULT_LEVEL = 0.95
ALL = "(all)"


def posterior(k: np.ndarray, n: np.ndarray, p: np.ndarray,
              prior_strength: float | None = None) -> Posterior:
    """Mixture posterior of each group's rate toward known parent rates `p` (two levels)."""
    n = np.asarray(n, dtype=float)
    k = np.minimum(np.asarray(k, dtype=float), n)
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    if prior_strength is not None:
        return prior.fixed(k, n, p, prior_strength)
    return prior.two_level(k, n, p)


def group_posterior(k: np.ndarray, n: np.ndarray, parents: np.ndarray,
                    prior_strength: float | None = None) -> tuple[Posterior, np.ndarray]:
    """Each group's posterior and its parent's rate; `parents` a team each, or `ALL`.

    Missing counts add nothing (they are read as none); such a group gets the prior.
    """
    k = np.nan_to_num(np.asarray(k, dtype=float))
    n = np.nan_to_num(np.asarray(n, dtype=float))
    k = np.minimum(k, n)
    overall = (k.sum() + 0.5) / (n.sum() + 1.0)
    parents = np.asarray(parents, dtype=object)
    in_team = parents != ALL
    team = np.full(len(k), -1)
    if in_team.any():
        team[in_team] = np.unique(parents[in_team].astype(str), return_inverse=True)[1]
    if prior_strength is not None:
        rate = np.full(len(k), overall)
        if in_team.any():
            kk, nn = np.bincount(team[in_team], k[in_team]), np.bincount(team[in_team], n[in_team])
            team_rate = prior.fixed(kk, nn, np.full(len(kk), overall), prior_strength).mean()
            rate[in_team] = team_rate[team[in_team]]
        return posterior(k, n, rate, prior_strength), rate
    if not in_team.any():
        rate = np.full(len(k), overall)
        return prior.two_level(k, n, rate), rate
    return prior.three_level(k, n, team, overall)


def plain_posterior(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> Posterior:
    """The plain Beta prior of a learnt strength toward known parent rates `p` (`prior.plain`):
    the forecast's rep odds, a point figure, not an interval."""
    p = np.clip(np.asarray(p, dtype=float), 1e-6, 1 - 1e-6)
    return prior.plain(np.asarray(k, dtype=float), np.asarray(n, dtype=float), p)


def plain_parent_rates(frame: pd.DataFrame, *, k: str, n: str) -> pd.Series:
    """Each row's parent rate for `plain_posterior`: the organisation's, or its team's pooled
    counts shrunk toward it the same way."""
    import pandas as pd

    kk = np.nan_to_num(frame[k].to_numpy(dtype=float))
    nn = np.nan_to_num(frame[n].to_numpy(dtype=float))
    parents = parents_of(frame)
    rate = np.full(len(kk), (kk.sum() + 0.5) / (nn.sum() + 1.0))
    in_team = parents != ALL
    if in_team.any():
        team = np.unique(parents[in_team].astype(str), return_inverse=True)[1]
        tk, tn = np.bincount(team, weights=kk[in_team]), np.bincount(team, weights=nn[in_team])
        rate[in_team] = plain_posterior(tk, tn, np.full(len(tk), rate[0])).mean()[team]
    return pd.Series(rate, index=frame.index, name="parent", dtype=float)


def typical_strength(post: Posterior) -> float:
    """The weighted geometric mean of m: how many deals the prior was worth, for the notes."""
    return post.strength


def parent_rate_array(k: np.ndarray, n: np.ndarray, parents: np.ndarray,
                      prior_strength: float | None = None) -> np.ndarray:
    """Each group's parent rate: the organisation's, or its team's as the model learns it."""
    return group_posterior(k, n, parents, prior_strength)[1]


def parent_rates(frame: pd.DataFrame, *, k: str, n: str,
                 prior_strength: float | None = None) -> pd.Series:
    """Each row's parent rate: the organisation's, or its team's as the model learns it."""
    import pandas as pd

    rate = parent_rate_array(frame[k].to_numpy(dtype=float), frame[n].to_numpy(dtype=float),
                             parents_of(frame), prior_strength)
    return pd.Series(rate, index=frame.index, name="parent", dtype=float)


def parents_of(frame: pd.DataFrame) -> np.ndarray:
    """The `parent` column as an array, `ALL` where it is missing."""
    column = frame["parent"].astype(object)
    parents: np.ndarray = column.where(column.notna(), ALL).to_numpy()
    return parents


@dataclass(frozen=True)
class Shrunk:
    """Shrunk estimates of one set of groups: estimate, interval, parent rate, prior strength."""

    est: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    parent_rate: np.ndarray
    strength: float


def shrink_counts(k: np.ndarray, n: np.ndarray, parents: np.ndarray, *,
                  level: float = DEFAULT_LEVEL, prior_strength: float | None = None) -> Shrunk:
    """`shrink` on arrays: k of n per group, and each group's parent (a team or `ALL`).

    Groups with missing counts get no estimate (NaN).
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    post, p = group_posterior(k, n, parents, prior_strength)
    tail = (1 - level) / 2
    bounds = post.twice().quantile(np.repeat([tail, 1 - tail], len(k)))
    missing = np.isnan(k) | np.isnan(n)
    est, lo, hi = (np.where(missing, np.nan, x)
                   for x in (post.mean(), bounds[:len(k)], bounds[len(k):]))
    return Shrunk(est=est, lo=lo, hi=hi, parent_rate=p, strength=post.strength)


def shrink(
    frame: pd.DataFrame, *, k: str, n: str, prefix: str, level: float = DEFAULT_LEVEL,
    prior_strength: float | None = None,
) -> tuple[pd.DataFrame, float]:
    """Add `<prefix>_est`, `_lo`, `_hi` and `parent_rate`; return the typical prior strength.

    A given `prior_strength` is used at both levels (team toward organisation, rep toward team).
    """
    out = frame.copy()
    got = shrink_counts(out[k].to_numpy(dtype=float), out[n].to_numpy(dtype=float),
                        parents_of(out), level=level, prior_strength=prior_strength)
    out[f"{prefix}_est"] = got.est
    out[f"{prefix}_lo"] = got.lo
    out[f"{prefix}_hi"] = got.hi
    out["parent_rate"] = got.parent_rate
    return out, got.strength


def prior_note(strengths: str, *, groups: int, level: float, given: bool = False,
               unit: str = "deals") -> str:
    """How the estimates were made, for the notes under a table; `unit` is what the prior
    strength counts (what the rates are shares of)."""
    if groups < 2:
        return f"one group: each estimate is its own rate, with a central {pct(level)} interval"
    how = "given" if given else "learnt from all groups"
    return (f"estimates shrunk toward the parent's rate; prior strength m ({how}, in {unit}): "
            f"{strengths}; intervals: central {pct(level)} of the posterior")
