"""Each rep's true parameters: volume, channel mix, yields, step rates, deal size and cycle.

Archetypes: balanced (60%), high_volume_low_yield (20%), low_volume_high_yield (20%). Weekly
outreach V = base (92, 185, 42 by archetype) x lognormal(mean 1, sigma 0.15) x scale, so an
average rep makes about 100 touches a week at scale 1.
A rep's outreach -> conversation rate is the mix-weighted yield of its channels,
c1 = sum_t mix_t * yield_t. The later steps have one rate each: conversation -> meeting held
(c2), meeting -> qualified opportunity (c3) and qualified -> won (w, the win rate).
Deal amounts are lognormal with mean S: amount = S * exp(sigma * Z - sigma^2 / 2), sigma 0.5.
Cycles (qualified to close) are lognormal with median M: cycle = M * exp(0.5 * Z), kept
within [M / 3, 3 M].
A `conversion` other than 1 (`SimConfig`) multiplies the channel yields, c2 and c3 after they
are drawn, each then capped at 0.9.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

ARCHETYPES = ("balanced", "high_volume_low_yield", "low_volume_high_yield")
ARCHETYPE_SHARES = (0.6, 0.2, 0.2)
BASE_VOLUME = (92.0, 185.0, 42.0)  # an average rep makes ~100 touches a week
# channel mix (call, email, linkedin) and conversation yield per channel, by archetype
BASE_MIX = ((0.35, 0.45, 0.20), (0.15, 0.75, 0.10), (0.50, 0.15, 0.35))
BASE_YIELD = ((0.16, 0.08, 0.14), (0.09, 0.04, 0.07), (0.28, 0.15, 0.25))

DEAL_SIGMA = 0.5
CYCLE_SIGMA = 0.5
CYCLE_CLIP = 3.0
DEAL_CAP = 3.5  # ordinary deals stay below 3.5 x the rep's mean; planted inflated ones exceed 4x
RATE_CAP = 0.9


@dataclass(frozen=True)
class RepParams:
    """True per-rep parameters, arrays indexed by rep (0 = R001)."""

    archetype: np.ndarray
    volume: np.ndarray
    mix: np.ndarray
    type_yield: np.ndarray
    c2: np.ndarray
    c3: np.ndarray
    win: np.ndarray
    deal_size: np.ndarray
    cycle_median: np.ndarray

    @property
    def c1(self) -> np.ndarray:
        """Outreach -> conversation: the mix-weighted channel yield."""
        return np.asarray((self.mix * self.type_yield).sum(axis=1))

    @property
    def count(self) -> int:
        return int(self.volume.shape[0])

    def step_rates(self) -> np.ndarray:
        """(reps, 4): rates out of outreach, conversation, meeting and qualified."""
        return np.stack([self.c1, self.c2, self.c3, self.win], axis=1)


def _archetypes(rng: np.random.Generator, reps: int) -> np.ndarray:
    """Archetype codes in fixed proportions (about 60/20/20), in random order."""
    high = round(reps * ARCHETYPE_SHARES[1])
    low = round(reps * ARCHETYPE_SHARES[2])
    codes = np.array([0] * (reps - high - low) + [1] * high + [2] * low)
    return rng.permutation(codes)


def draw_params(rng: np.random.Generator, reps: int, scale: float) -> RepParams:
    """Draw every rep's true parameters around its archetype."""
    arch = _archetypes(rng, reps)
    volume = np.array(BASE_VOLUME)[arch] * rng.lognormal(-0.15**2 / 2, 0.15, reps) * scale
    mix = np.stack([rng.dirichlet(60.0 * np.array(BASE_MIX[a])) for a in arch])
    level = rng.lognormal(0.0, 0.18, reps)[:, None]
    type_yield = np.array(BASE_YIELD)[arch] * level * rng.lognormal(0.0, 0.1, (reps, 3))
    return RepParams(
        archetype=arch,
        volume=volume,
        mix=mix,
        type_yield=np.clip(type_yield, 0.01, 0.6),
        c2=rng.uniform(0.3, 0.5, reps),
        c3=rng.uniform(0.3, 0.6, reps),
        win=np.clip(rng.beta(6.0, 14.0, reps), 0.1, 0.6),
        deal_size=np.clip(np.round(rng.lognormal(math.log(50_000), 0.45, reps), -2),
                          20_000, 120_000),
        cycle_median=rng.uniform(45.0, 120.0, reps),
    )


def with_conversion(params: RepParams, factor: float) -> RepParams:
    """`params` with the rates before an opportunity (yields, c2, c3) multiplied by `factor`.

    Each rate is capped at RATE_CAP; a factor of 1 leaves the parameters as they are.
    """
    if factor == 1:
        return params
    return replace(params, type_yield=np.minimum(params.type_yield * factor, RATE_CAP),
                   c2=np.minimum(params.c2 * factor, RATE_CAP),
                   c3=np.minimum(params.c3 * factor, RATE_CAP))


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def cycle_mean(median: float) -> float:
    """Mean of the cycle: a lognormal (median M, sigma 0.5) clipped to [M / 3, 3 M].

    E = a P(X < a) + e^(mu + s^2/2) [Phi((ln b - mu - s^2)/s) - Phi((ln a - mu - s^2)/s)]
        + b P(X > b), with mu = ln M, a = M / 3, b = 3 M.
    """
    s, k = CYCLE_SIGMA, math.log(CYCLE_CLIP)
    low, high = median / CYCLE_CLIP, median * CYCLE_CLIP
    middle = median * math.exp(s * s / 2) * (_phi((k - s * s) / s) - _phi((-k - s * s) / s))
    return low * _phi(-k / s) + middle + high * (1.0 - _phi(k / s))


def draw_cycles(rng: np.random.Generator, median: np.ndarray) -> np.ndarray:
    """Qualified-to-close days for deals whose reps have the given median cycles."""
    factor = np.exp(CYCLE_SIGMA * rng.standard_normal(median.shape[0]))
    return median * np.clip(factor, 1.0 / CYCLE_CLIP, CYCLE_CLIP)


def draw_amounts(rng: np.random.Generator, mean: np.ndarray) -> np.ndarray:
    """Deal amounts, lognormal with the given means, rounded to 10 and capped at 3.5x."""
    factor = np.exp(DEAL_SIGMA * rng.standard_normal(mean.shape[0]) - DEAL_SIGMA**2 / 2)
    return np.round(mean * np.clip(factor, 0.1, DEAL_CAP), -1)
