"""The evidence behind a flag: did a rate really change, is a count really short?

Rate change: `metrics.changes.change_point` (one change point, Bayesian), shared with the
forward projection.

Not a rate (counts not nested). k / n is a rate only when the k are among the n. Counted by
week from different records (opportunities created against meetings held), a segment can hold
more at the next step than at the step; the model above would silently read it as 100%.
`overflow` finds, per unit, the compared segments (before and from each τ) where k > n, and
the one with the largest excess.

Count short of a need (Gamma-Poisson). k events in t weeks, a plan needing r a week: with a
Jeffreys prior the weekly rate λ has posterior Gamma(k + 1/2, rate t), and the evidence of a
shortfall is P(λ < (1 - s) r).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from funnelwise.metrics.changes import MIN_BEFORE, ChangePoint, change_point

__all__ = ["MIN_BEFORE", "ChangePoint", "Overflow", "change_point", "overflow", "prob_short"]


@dataclass(frozen=True)
class Overflow:
    """Per unit: whether a compared segment has k > n, and the one with the largest k - n
    (weeks `start` to `end`, end excluded; all zero where there is none)."""

    found: np.ndarray
    start: np.ndarray
    end: np.ndarray
    k: np.ndarray
    n: np.ndarray


def overflow(k: np.ndarray, n: np.ndarray, *, recent: int,
             min_before: int = MIN_BEFORE) -> Overflow:
    """The segments `change_point` compares where more reached the next step than the step.

    `k`, `n`: (units, weeks) arrays, oldest week first. The segments are weeks [0, τ) and
    [τ, end) for every τ `change_point` weighs; a unit with none of them over (or with too
    short a history to weigh any τ) is nested.
    """
    units, weeks = n.shape
    taus = np.arange(min_before, weeks - recent + 1)
    if taus.size == 0:
        zero = np.zeros(units, dtype=int)
        return Overflow(np.zeros(units, dtype=bool), zero, zero, zero.astype(float),
                        zero.astype(float))
    ck, cn = np.cumsum(np.asarray(k, float), axis=1), np.cumsum(np.asarray(n, float), axis=1)
    kb, nb = ck[:, taus - 1], cn[:, taus - 1]
    seg_k = np.concatenate([kb, ck[:, -1:] - kb], axis=1)
    seg_n = np.concatenate([nb, cn[:, -1:] - nb], axis=1)
    starts = np.concatenate([np.zeros_like(taus), taus])
    ends = np.concatenate([taus, np.full_like(taus, weeks)])
    worst = np.argmax(seg_k - seg_n, axis=1)
    rows = np.arange(units)
    found = seg_k[rows, worst] > seg_n[rows, worst]
    return Overflow(found=found, start=np.where(found, starts[worst], 0),
                    end=np.where(found, ends[worst], 0), k=np.where(found, seg_k[rows, worst], 0),
                    n=np.where(found, seg_n[rows, worst], 0))


def prob_short(count: np.ndarray, weeks: np.ndarray, need_per_week: np.ndarray,
               shortfall: float) -> np.ndarray:
    """P(weekly rate < (1 - shortfall) x need) given `count` events in `weeks` weeks."""
    weeks = np.maximum(np.asarray(weeks, float), 1e-9)
    limit = (1 - shortfall) * np.asarray(need_per_week, float)
    # the Gamma(count + 1/2, rate weeks) CDF at the limit
    return np.asarray(special.gammainc(np.asarray(count, float) + 0.5, limit * weeks))
