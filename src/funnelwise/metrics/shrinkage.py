"""Beta-binomial shrinkage: honest rates for small samples.

A rep who won 3 of 4 deals does not have a 75% win rate. Each group's rate gets a Beta prior
centred on its parent's rate p, with prior strength m (the prior counts as m deals at p):

    given m:   estimate = (k + m p) / (n + m),  posterior Beta(k + m p, n - k + m (1 - p))

m is not known. It is learnt from all groups together (empirical Bayes): every m on a grid
from M_MIN to M_MAX deals is weighted by the beta-binomial likelihood of all groups' counts,
and the estimate and its interval come from the posterior averaged over those weights. When
groups really differ, small m wins and each keeps close to its own rate; when they differ no
more than chance would make them, large m wins and everyone is pulled to the parent. Averaging
over m, rather than plugging in the single best m, keeps the intervals honest when there are
few groups to learn m from.

Parents: a rep's parent is their team, whose own rate is shrunk the same way toward the whole
organisation (so a team of five reps is not taken at face value); every other grouping's
parent is the organisation. The organisation's rate is (K + 1/2) / (N + 1), the half count
keeping an all-won or all-lost history off exactly 0 or 1. This runs on aggregated counts (one
row per group), after the Ibis query.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

from funnelwise.formats import pct

if TYPE_CHECKING:
    import pandas as pd

M_MIN = 2.0
M_MAX = 1000.0
GRID = np.geomspace(M_MIN, M_MAX, 48)
DEFAULT_LEVEL = 0.95
NEGLIGIBLE = 1e-16
ALL = "(all)"


def _special() -> ModuleType:
    """`scipy.special`, loaded when a posterior is first computed."""
    from scipy import special

    return special


@dataclass(frozen=True)
class Posterior:
    """Per-group posterior as a mixture of Betas: parameters (groups x m) and m weights."""

    a: np.ndarray
    b: np.ndarray
    grid: np.ndarray
    weights: np.ndarray

    def mean(self) -> np.ndarray:
        return (self.a / (self.a + self.b)) @ self.weights

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return _special().betainc(self.a, self.b, x[:, None]) @ self.weights

    def pdf(self, x: np.ndarray, log_beta: np.ndarray | None = None) -> np.ndarray:
        """Mixture density at x (one x per group); `log_beta` = betaln(a, b) if known."""
        log_beta = _special().betaln(self.a, self.b) if log_beta is None else log_beta
        log_density = ((self.a - 1) * np.log(x)[:, None] + (self.b - 1) * np.log1p(-x)[:, None]
                       - log_beta)
        return np.exp(log_density) @ self.weights

    def quantile(self, q: float | np.ndarray, iterations: int = 40,
                 tol: float = 1e-14) -> np.ndarray:
        """The q-quantile of each group's mixture (q one level, or one level per group).

        Safeguarded Halley iteration on the mixture CDF, vectorised over groups. It starts
        from the Cornish-Fisher approximation (mean, spread and skewness of the mixture); a
        step that would leave the bracket known to hold the quantile is replaced by
        bisection, so it converges wherever bisection would. A group stops once its step is
        below `tol`; the CDF, the costly part, is only evaluated for groups still moving.
        """
        special = _special()
        levels = np.broadcast_to(np.asarray(q, dtype=float), (len(self.a),))
        x = np.clip(self._cornish_fisher(levels), 1e-9, 1 - 1e-9)
        lo = np.zeros(len(self.a))
        hi = np.ones(len(self.a))
        log_beta = special.betaln(self.a, self.b)
        moving = np.arange(len(self.a))
        for _ in range(iterations):
            if not moving.size:
                break
            a, b, at = self.a[moving], self.b[moving], x[moving]
            f = special.betainc(a, b, at[:, None]) @ self.weights - levels[moving]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                density = np.exp((a - 1) * np.log(at)[:, None]
                                 + (b - 1) * np.log1p(-at)[:, None] - log_beta[moving])
                slope = (density * ((a - 1) / at[:, None] - (b - 1) / (1 - at)[:, None])
                         ) @ self.weights
                pdf = density @ self.weights
                newton = f / pdf
                bend = newton * slope / (2 * pdf)
                step = np.where(np.abs(bend) < 0.5, newton / (1 - bend), newton)
                nxt = at - step
            lo[moving] = np.where(f <= 0, at, lo[moving])
            hi[moving] = np.where(f >= 0, at, hi[moving])
            outside = ~np.isfinite(nxt) | (nxt < lo[moving]) | (nxt > hi[moving])
            nxt = np.where(outside, (lo[moving] + hi[moving]) / 2, nxt)
            x[moving] = nxt
            moving = moving[np.abs(nxt - at) > tol]
        return x

    def _cornish_fisher(self, q: np.ndarray) -> np.ndarray:
        """Each group's q-quantile from the mixture's mean, variance and skewness."""
        total = self.a + self.b
        means = self.a / total
        variances = self.a * self.b / (total**2 * (total + 1))
        thirds = 2 * (self.b - self.a) * variances / (total * (total + 2))
        mean = means @ self.weights
        off = means - mean[:, None]
        var = np.maximum((variances + off**2) @ self.weights, 0.0)
        third = (thirds + 3 * variances * off + off**3) @ self.weights
        sd = np.sqrt(var)
        with np.errstate(divide="ignore", invalid="ignore"):
            skew = np.where(sd > 0, third / sd**3, 0.0)
        z = _special().ndtri(q)
        return np.asarray(mean + sd * (z + (z**2 - 1) * skew / 6))


def m_weights(k: np.ndarray, n: np.ndarray, p: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Posterior weight of each prior strength on the log-spaced `grid`.

    Beta-binomial likelihood of all groups' counts times the hyperprior
    p(alpha, beta) ~ (alpha + beta)^(-5/2) (Gelman et al., Bayesian Data Analysis, ch. 5),
    which on a log grid of m = alpha + beta weighs each point by m^(-1/2).
    """
    special = _special()
    a = grid[None, :] * p[:, None]
    b = grid[None, :] * (1 - p[:, None])
    loglik = (special.betaln(k[:, None] + a, (n - k)[:, None] + b)
              - special.betaln(a, b)).sum(axis=0)
    logpost = loglik - 0.5 * np.log(grid)
    w = np.exp(logpost - logpost.max())
    return w / w.sum()


def posterior(k: np.ndarray, n: np.ndarray, p: np.ndarray,
              prior_strength: float | None = None) -> Posterior:
    """Mixture posterior of each group's rate, toward parent rates `p`."""
    p = np.clip(p, 1e-6, 1 - 1e-6)
    if prior_strength is not None:
        grid, weights = np.array([prior_strength]), np.ones(1)
    elif (n > 0).sum() < 2:
        grid, weights = GRID, np.full(len(GRID), 1 / len(GRID))
    else:
        weights = m_weights(k[n > 0], n[n > 0], p[n > 0], GRID)
        keep = weights >= weights.max() * NEGLIGIBLE  # cannot move a rate beyond rounding
        grid, weights = GRID[keep], weights[keep] / weights[keep].sum()
    a = k[:, None] + grid[None, :] * p[:, None]
    b = np.maximum(n - k, 0)[:, None] + grid[None, :] * (1 - p[:, None])
    return Posterior(a=a, b=b, grid=grid, weights=weights)


def typical_strength(post: Posterior) -> float:
    """The weighted geometric mean of m: how many deals the prior was worth, for the notes."""
    return float(np.exp(np.log(post.grid) @ post.weights))


def parent_rate_array(k: np.ndarray, n: np.ndarray, parents: np.ndarray,
                      prior_strength: float | None = None) -> np.ndarray:
    """Each group's parent rate: the organisation's, or its team's shrunk toward it.

    `parents` holds each group's parent: a team, or `ALL` (the organisation). Missing counts
    add nothing to the sums.
    """
    k_sum = np.where(np.isnan(k), 0.0, k)
    n_sum = np.where(np.isnan(n), 0.0, n)
    overall = (k_sum.sum() + 0.5) / (n_sum.sum() + 1.0)
    rate = np.full(len(k), overall)
    in_team = parents != ALL
    if in_team.any():
        teams, team_of = np.unique(parents[in_team].astype(str), return_inverse=True)
        kk = np.bincount(team_of, weights=k_sum[in_team], minlength=len(teams))
        nn = np.bincount(team_of, weights=n_sum[in_team], minlength=len(teams))
        team_post = posterior(kk, nn, np.full(len(teams), overall), prior_strength)
        rate[in_team] = team_post.mean()[team_of]
    return rate


def parent_rates(frame: pd.DataFrame, *, k: str, n: str,
                 prior_strength: float | None = None) -> pd.Series:
    """Each row's parent rate: the organisation's, or its team's shrunk toward it."""
    import pandas as pd

    rate = parent_rate_array(frame[k].to_numpy(dtype=float), frame[n].to_numpy(dtype=float),
                             _parents(frame), prior_strength)
    return pd.Series(rate, index=frame.index, name="parent", dtype=float)


def _parents(frame: pd.DataFrame) -> np.ndarray:
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
    """`shrink` on arrays: k of n per group, and each group's parent (a team or `ALL`)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    p = parent_rate_array(k, n, parents, prior_strength)
    post = posterior(k, n, p, prior_strength)
    tail = (1 - level) / 2
    both = Posterior(a=np.concatenate([post.a, post.a]), b=np.concatenate([post.b, post.b]),
                     grid=post.grid, weights=post.weights)
    bounds = both.quantile(np.repeat([tail, 1 - tail], len(k)))
    strength = prior_strength if prior_strength is not None else typical_strength(post)
    return Shrunk(est=post.mean(), lo=bounds[:len(k)], hi=bounds[len(k):], parent_rate=p,
                  strength=strength)


def shrink(
    frame: pd.DataFrame, *, k: str, n: str, prefix: str, level: float = DEFAULT_LEVEL,
    prior_strength: float | None = None,
) -> tuple[pd.DataFrame, float]:
    """Add `<prefix>_est`, `_lo`, `_hi` and `parent_rate`; return the typical prior strength.

    A given `prior_strength` is used at both levels (team toward organisation, rep toward team).
    """
    out = frame.copy()
    got = shrink_counts(out[k].to_numpy(dtype=float), out[n].to_numpy(dtype=float),
                        _parents(out), level=level, prior_strength=prior_strength)
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
