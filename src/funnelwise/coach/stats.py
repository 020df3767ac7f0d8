"""The evidence behind a flag: did a rate really change, is a count really short?

Rate change (one change point, Bayesian). For one rep and step: n_w reached the step in week
w and k_w reached the next step. The model: the rate was p_a before some week τ and p_b from
τ on. τ is unknown; every week that leaves at least `min_before` weeks before it and the whole
recent window after it is equally likely a priori. Given τ, p_a and p_b have Jeffreys
Beta(1/2, 1/2) priors, so their posteriors are Beta(k + 1/2, n - k + 1/2) over each segment's
totals. Each τ is weighted by its marginal likelihood, B(k_a + 1/2, n_a - k_a + 1/2)
B(k_b + 1/2, n_b - k_b + 1/2) (the binomial coefficients do not depend on τ and cancel), so

    P(drop) = Σ_τ w_τ P(p_b < (1 - X) p_a | τ)

is the probability that the rate since the change is more than X below the rate before it,
averaged over where the change happened. The recent window is always inside the "after"
segment: the drop must still hold. A rep whose rate wobbles week to week spreads the weight
over many τ, none with much evidence, and is not flagged; a real step change concentrates it.
A rise is the mirror image, P(p_b > (1 + X) p_a).

P(p_b < r p_a | τ) = E[F_b(r p_a)] over p_a's posterior: a sum over 71 points spread over
±7 standard deviations of logit(p_a), where that posterior is smooth and single-peaked,
weighted by its exact density.

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

NODES = np.linspace(-7.0, 7.0, 71)
MIN_BEFORE = 8


@dataclass(frozen=True)
class ChangePoint:
    """Per unit (rep): the probability of the change, and the segments at the likeliest τ."""

    prob: np.ndarray
    start: np.ndarray
    k_before: np.ndarray
    n_before: np.ndarray
    k_after: np.ndarray
    n_after: np.ndarray


def _segments(k: np.ndarray, n: np.ndarray, taus: np.ndarray) -> tuple[np.ndarray, ...]:
    """Successes and trials before and from each τ (units x τ), successes capped at trials."""
    ck, cn = np.cumsum(k, axis=1), np.cumsum(n, axis=1)
    na, nb = cn[:, taus - 1], cn[:, -1:] - cn[:, taus - 1]
    ka = np.minimum(ck[:, taus - 1], na)
    kb = np.minimum(ck[:, -1:] - ck[:, taus - 1], nb)
    return ka, na, kb, nb


def _logit_nodes(k: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points p on Beta(k + 1/2, n - k + 1/2)'s logit scale and their normalised weights."""
    a, b = (k + 0.5)[..., None], (n - k + 0.5)[..., None]
    mean = special.digamma(a) - special.digamma(b)
    sd = np.sqrt(special.polygamma(1, a) + special.polygamma(1, b))
    x = mean + sd * NODES
    log_p, log_q = -np.logaddexp(0.0, -x), -np.logaddexp(0.0, x)
    log_w = a * log_p + b * log_q
    w = np.exp(log_w - log_w.max(axis=-1, keepdims=True))
    return np.exp(log_p), w / w.sum(axis=-1, keepdims=True)


def _beyond(ka: np.ndarray, na: np.ndarray, kb: np.ndarray, nb: np.ndarray, factor: float,
            rise: bool) -> np.ndarray:
    """P(p_b < factor p_a) (or > for a rise), integrated over p_a's posterior."""
    pa, w = _logit_nodes(ka, na)
    below = special.betainc((kb + 0.5)[..., None], (nb - kb + 0.5)[..., None],
                            np.minimum(factor * pa, 1.0))
    return np.asarray(((1 - below if rise else below) * w).sum(axis=-1))


def change_point(k: np.ndarray, n: np.ndarray, *, margin: float, recent: int,
                 rise: bool = False, min_before: int = MIN_BEFORE) -> ChangePoint:
    """P(rate fell by more than `margin`) (or rose, `rise`) per row of weekly counts.

    `k`, `n`: (units, weeks) arrays, oldest week first. Rows without enough weeks get 0.
    """
    units, weeks = n.shape
    taus = np.arange(min_before, weeks - recent + 1)
    if taus.size == 0:
        zero = np.zeros(units)
        return ChangePoint(zero, np.zeros(units, dtype=int), zero, zero, zero, zero)
    ka, na, kb, nb = _segments(np.asarray(k, float), np.asarray(n, float), taus)
    loglik = (special.betaln(ka + 0.5, na - ka + 0.5) + special.betaln(kb + 0.5, nb - kb + 0.5))
    w = np.exp(loglik - loglik.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    factor = 1 + margin if rise else 1 - margin
    prob = (w * _beyond(ka, na, kb, nb, factor, rise)).sum(axis=1)
    best = np.argmax(w, axis=1)
    rows = np.arange(units)
    return ChangePoint(prob=prob, start=taus[best], k_before=ka[rows, best],
                       n_before=na[rows, best], k_after=kb[rows, best], n_after=nb[rows, best])


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
