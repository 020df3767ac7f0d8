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

import numpy as np
import pandas as pd
from scipy import special

M_MIN = 2.0
M_MAX = 1000.0
GRID = np.geomspace(M_MIN, M_MAX, 48)
DEFAULT_LEVEL = 0.95
NEGLIGIBLE = 1e-16
ALL = "(all)"


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
        return special.betainc(self.a, self.b, x[:, None]) @ self.weights

    def pdf(self, x: np.ndarray, log_beta: np.ndarray | None = None) -> np.ndarray:
        """Mixture density at x (one x per group); `log_beta` = betaln(a, b) if known."""
        log_beta = special.betaln(self.a, self.b) if log_beta is None else log_beta
        log_density = ((self.a - 1) * np.log(x)[:, None] + (self.b - 1) * np.log1p(-x)[:, None]
                       - log_beta)
        return np.exp(log_density) @ self.weights

    def quantile(self, q: float, iterations: int = 40, tol: float = 1e-14) -> np.ndarray:
        """Safeguarded Newton on the mixture CDF, vectorised over groups.

        Starts from the normal approximation of the mixture and takes Newton steps; a step
        that would leave the bracket known to hold the quantile is replaced by bisection, so
        it converges wherever bisection would, in a handful of iterations instead of 40.
        """
        lo = np.zeros(len(self.a))
        hi = np.ones(len(self.a))
        x = np.clip(self._normal_guess(q), 1e-9, 1 - 1e-9)
        log_beta = special.betaln(self.a, self.b)
        for _ in range(iterations):
            f = self.cdf(x) - q
            lo = np.where(f <= 0, x, lo)
            hi = np.where(f >= 0, x, hi)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                nxt = x - f / self.pdf(x, log_beta)
            outside = ~np.isfinite(nxt) | (nxt < lo) | (nxt > hi)
            nxt = np.where(outside, (lo + hi) / 2, nxt)
            done = bool(np.all(np.abs(nxt - x) <= tol))
            x = nxt
            if done:
                break
        return x

    def _normal_guess(self, q: float) -> np.ndarray:
        total = self.a + self.b
        means = self.a / total
        second = self.a * (self.a + 1) / (total * (total + 1))
        mean = means @ self.weights
        sd = np.sqrt(np.maximum(second @ self.weights - mean**2, 0.0))
        return np.asarray(mean + special.ndtri(q) * sd)


def m_weights(k: np.ndarray, n: np.ndarray, p: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Posterior weight of each prior strength on the log-spaced `grid`.

    Beta-binomial likelihood of all groups' counts times the hyperprior
    p(alpha, beta) ~ (alpha + beta)^(-5/2) (Gelman et al., Bayesian Data Analysis, ch. 5),
    which on a log grid of m = alpha + beta weighs each point by m^(-1/2).
    """
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


def parent_rates(frame: pd.DataFrame, *, k: str, n: str,
                 prior_strength: float | None = None) -> pd.Series:
    """Each row's parent rate: the organisation's, or its team's shrunk toward it."""
    overall = (frame[k].sum() + 0.5) / (frame[n].sum() + 1.0)
    teams = frame[frame["parent"] != ALL].groupby("parent")[[k, n]].sum()
    rate = {ALL: overall}
    if len(teams):
        kk, nn = teams[k].to_numpy(float), teams[n].to_numpy(float)
        team_post = posterior(kk, nn, np.full(len(teams), overall), prior_strength)
        rate.update(dict(zip(teams.index, team_post.mean(), strict=True)))
    return frame["parent"].map(rate).fillna(overall).astype(float)


def shrink(
    frame: pd.DataFrame, *, k: str, n: str, prefix: str, level: float = DEFAULT_LEVEL,
    prior_strength: float | None = None,
) -> tuple[pd.DataFrame, float]:
    """Add `<prefix>_est`, `_lo`, `_hi` and `parent_rate`; return the typical prior strength.

    A given `prior_strength` is used at both levels (team toward organisation, rep toward team).
    """
    out = frame.copy()
    kk = out[k].to_numpy(dtype=float)
    nn = out[n].to_numpy(dtype=float)
    p = parent_rates(out, k=k, n=n, prior_strength=prior_strength).to_numpy(dtype=float)
    post = posterior(kk, nn, p, prior_strength)
    tail = (1 - level) / 2
    out[f"{prefix}_est"] = post.mean()
    out[f"{prefix}_lo"] = post.quantile(tail)
    out[f"{prefix}_hi"] = post.quantile(1 - tail)
    out["parent_rate"] = p
    return out, prior_strength if prior_strength is not None else typical_strength(post)


def prior_note(strengths: str, *, groups: int, level: float, given: bool = False) -> str:
    """How the estimates were made, for the notes under a table."""
    if groups < 2:
        return f"one group: each estimate is its own rate, with a central {level:.0%} interval"
    how = "given" if given else "learnt from all groups"
    return (f"estimates shrunk toward the parent's rate; prior strength m ({how}, in deals): "
            f"{strengths}; intervals: central {level:.0%} of the posterior")
