"""Monte Carlo over what we do not know exactly: rates and deal sizes, for many reps at once.

Arrays are (reps, steps) for the inputs and (reps, steps, draws) or (reps, draws) for the
draws, so 200 reps x 10,000 draws is a handful of numpy calls. Every draw comes from one
seeded generator: the same seed gives the same figures.

- a rate with a Beta(alpha, beta) posterior is drawn from it; an exact rate stays fixed
  (for the forward audit, the product of the well-measured rates is drawn at once, see
  `draw_chain`);
- the average deal size S is drawn from a lognormal with mean S and sd `se` (it stays
  positive and is right-skewed like deal sizes);
- with outcome noise, the number of wins is Poisson around its expectation and their total
  value is Gamma with the same mean and variance as a sum of that many single deals
  (mean S, coefficient of variation cv): luck on top of the uncertainty in the rates;
- deals already open are each won or not, Bernoulli of their chance moved with the rep's
  win rate in the draw (`draw_open`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special

from funnelwise.plan.model import RepFunnel

DEFAULT_SEED = 0
LOGNORMAL_FROM = 50.0
OPEN_CHUNK = 512


@dataclass(frozen=True)
class Stacked:
    """Rates, posteriors and deal sizes of many reps as (reps, steps) and (reps,) arrays."""

    value: np.ndarray
    alpha: np.ndarray
    beta: np.ndarray
    deal_mean: np.ndarray
    deal_se: np.ndarray
    deal_cv: np.ndarray

    @property
    def exact(self) -> np.ndarray:
        return np.asarray((self.alpha <= 0) | (self.beta <= 0))


def stack(funnels: Sequence[RepFunnel]) -> Stacked:
    """Arrays of the funnels' figures; all funnels must have the same steps."""
    def rates(attr: str) -> np.ndarray:
        return np.array([[getattr(r, attr) for r in f.rates] for f in funnels], dtype=float)

    def deals(attr: str) -> np.ndarray:
        return np.array([getattr(f.deal_size, attr) for f in funnels], dtype=float)

    return Stacked(value=rates("value"), alpha=rates("alpha"), beta=rates("beta"),
                   deal_mean=deals("mean"), deal_se=deals("se"), deal_cv=deals("cv"))


def draw_rates(rng: np.random.Generator, s: Stacked, draws: int) -> np.ndarray:
    """(reps, steps, draws): every uncertain rate drawn from its Beta posterior."""
    out = np.repeat(s.value[:, :, None], draws, axis=2)
    uncertain = ~s.exact
    if uncertain.any():
        a, b = s.alpha[uncertain], s.beta[uncertain]
        out[uncertain] = rng.beta(a[:, None], b[:, None], size=(a.shape[0], draws))
    return out


def _log_moments(s: Stacked, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per rep, the summed mean and variance of log c over the masked Beta rates."""
    a, b = np.where(mask, s.alpha, 1.0), np.where(mask, s.beta, 1.0)
    mean = np.where(mask, special.digamma(a) - special.digamma(a + b), 0.0)
    var = np.where(mask, special.polygamma(1, a) - special.polygamma(1, a + b), 0.0)
    return mean.sum(axis=1), var.sum(axis=1)


def draw_chain(rng: np.random.Generator, s: Stacked, mask: np.ndarray,
               draws: int) -> np.ndarray:
    """(reps, draws): the product of each rep's rates where `mask` (reps, steps) is True.

    Exact rates multiply in as they are; small posteriors (fewer than LOGNORMAL_FROM successes
    or failures) are drawn from their Beta. The large ones are drawn together: the log of
    their product is normal with the exact mean sum(digamma(a) - digamma(a + b)) and
    variance sum(trigamma(a) - trigamma(a + b)), within 0.5% of the exact product from P10
    to P90 at that size, and one draw per rep instead of one per step.
    """
    chain = np.where(mask & s.exact, s.value, 1.0).prod(axis=1)[:, None]
    uncertain = mask & ~s.exact
    large = uncertain & (np.minimum(s.alpha, s.beta) >= LOGNORMAL_FROM)
    mean, var = _log_moments(s, large)
    z = rng.standard_normal((chain.shape[0], draws))
    chain = chain * np.exp(mean[:, None] + np.sqrt(var)[:, None] * z)
    small = uncertain & ~large
    for j in np.flatnonzero(small.any(axis=0)):
        rows = small[:, j]
        a, b = s.alpha[rows, j], s.beta[rows, j]
        chain[rows] *= rng.beta(a[:, None], b[:, None], size=(a.shape[0], draws))
    return chain


def draw_deal_means(rng: np.random.Generator, s: Stacked, draws: int) -> np.ndarray:
    """(reps, draws): the average deal size, lognormal with mean S and sd se."""
    var = np.log1p((s.deal_se / s.deal_mean) ** 2)
    z = rng.standard_normal((s.deal_mean.shape[0], draws))
    return s.deal_mean[:, None] * np.exp(np.sqrt(var)[:, None] * z - var[:, None] / 2)


def draw_revenue(rng: np.random.Generator, wins: np.ndarray, deal_mean: np.ndarray,
                 cv: np.ndarray) -> np.ndarray:
    """(reps, draws): the value of a Poisson(wins) number of deals of mean `deal_mean`.

    The sum of n deals with mean S and coefficient of variation cv has mean n S and variance
    n (cv S)^2; a Gamma(shape n / cv^2, scale S cv^2) has both. With cv = 0, n S.
    """
    n = rng.poisson(wins).astype(float)
    cv2 = (cv**2)[:, None]
    spread = cv2 > 0
    shape = np.where(spread, n / np.where(spread, cv2, 1.0), 0.0)
    scale = deal_mean * np.where(spread, cv2, 1.0)
    return np.where(spread, rng.gamma(shape, scale), n * deal_mean)


def odds(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-9, 1 - 1e-9)
    return np.asarray(q / (1 - q))


def draw_open(rng: np.random.Generator, amounts: Sequence[np.ndarray],
              chances: Sequence[np.ndarray], lift: np.ndarray) -> np.ndarray:
    """(reps, draws): the value of each rep's open deals won, each Bernoulli of its chance.

    `lift` (reps, draws): in each draw the rep's win rate over its estimate, in odds; every
    open deal of the rep has its odds multiplied by it, so a draw where the rep wins less
    often wins fewer of the deals already open too.
    """
    draws = lift.shape[1]
    rep = np.repeat(np.arange(len(amounts)), [len(a) for a in amounts])
    amount = np.concatenate([np.zeros(0), *amounts])
    base = odds(np.concatenate([np.zeros(0), *chances]))
    out = np.zeros((len(amounts), draws))
    for lo in range(0, len(amount), OPEN_CHUNK):
        at = slice(lo, lo + OPEN_CHUNK)
        o = base[at, None] * lift[rep[at]]
        won = rng.random(o.shape) < o / (1 + o)
        np.add.at(out, rep[at], won * amount[at, None])
    return out


def quantiles(x: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """(len(qs), reps) quantiles of (reps, draws) draws, along the draws."""
    return np.quantile(x, list(qs), axis=1)
