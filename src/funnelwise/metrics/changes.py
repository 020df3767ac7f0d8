"""Did a rate really change? One change point, Bayesian, over weekly counts.

For one rep and step: n_w reached the step in week w and k_w reached the next step. The model:
the rate was p_a before some week τ and p_b from τ on. τ is unknown; every week that leaves at
least `min_before` weeks before it and the whole recent window after it is equally likely a
priori. Given τ, p_a and p_b have Jeffreys Beta(1/2, 1/2) priors, so their posteriors are
Beta(k + 1/2, n - k + 1/2) over each segment's totals. Each τ is weighted by its marginal
likelihood, B(k_a + 1/2, n_a - k_a + 1/2) B(k_b + 1/2, n_b - k_b + 1/2) (the binomial
coefficients do not depend on τ and cancel), so

    P(drop) = Σ_τ w_τ P(p_b < (1 - X) p_a | τ)

is the probability that the rate since the change is more than X below the rate before it,
averaged over where the change happened. The recent window is always inside the "after"
segment: the drop must still hold. A rep whose rate wobbles week to week spreads the weight
over many τ, none with much evidence, and is not flagged; a real step change concentrates it.
A rise is the mirror image, P(p_b > (1 + X) p_a).

P(p_b < r p_a | τ) = E[F_b(r p_a)] over p_a's posterior: a sum over 71 points spread over
±7 standard deviations of logit(p_a), where that posterior is smooth and single-peaked,
weighted by its exact density.

Coaching flags a change it finds (`coach.rules.conversion_drop`); the forward projection
(`plan.recent`) plans with the rate since it.
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
