"""A rate's posterior as a mixture of Beta distributions, one mixture per group.

Group i's posterior is sum_c w_ic Beta(a_ic, b_ic): `a`, `b` and `weights` are (groups x
components) arrays, each row of weights summing to 1. The shrinkage model (`shrinkage`) writes
its posteriors this way; this module gives their mean, CDF, density and quantiles, vectorised
over groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

import numpy as np

from funnelwise.imports import submodule


def special() -> ModuleType:
    """The compiled core of `scipy.special` (its `betainc`, `betaln`, `gammaln`, `expit`,
    `ndtri` are these very functions), loaded when a posterior is first computed without the
    rest of the package (SciPy's linear algebra and array-API layers; `imports.submodule`)."""
    return submodule("scipy.special", "_ufuncs")


def matched(k: np.ndarray, n: np.ndarray, strength: np.ndarray | float, centre: np.ndarray,
            spread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Beta(a, b) with the mean and variance of a mix of Beta(k + s p, n - k + s (1 - p))
    over centres p of mean `centre` and variance `spread` (s the prior strength).

    a + b = n + s for every p, so with A = k + s p: mean E[A] / (n + s) and second moment
    E[A (A + 1)] / ((n + s) (n + s + 1)), where E[A^2] = (k + s centre)^2 + s^2 spread. With
    no spread it is the plain Beta(k + s p, n - k + s (1 - p)).
    """
    total = n + strength
    first = k + strength * centre
    mean = first / total
    second = (first**2 + strength**2 * spread + first) / (total * (total + 1))
    var = np.maximum(second - mean**2, 1e-300)
    size = np.maximum(mean * (1 - mean) / var - 1, 1e-9)
    return mean * size, (1 - mean) * size


@dataclass(frozen=True)
class Posterior:
    """Per-group mixtures of Betas: parameters and weights (groups x components), and the
    typical prior strength behind them (for the notes)."""

    a: np.ndarray
    b: np.ndarray
    weights: np.ndarray
    strength: float = float("nan")

    def mean(self) -> np.ndarray:
        return np.asarray((self.a / (self.a + self.b) * self.weights).sum(axis=1))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return np.asarray((special().betainc(self.a, self.b, x[:, None]) * self.weights)
                          .sum(axis=1))

    def pdf(self, x: np.ndarray, log_beta: np.ndarray | None = None) -> np.ndarray:
        """Mixture density at x (one x per group); `log_beta` = betaln(a, b) if known."""
        log_beta = special().betaln(self.a, self.b) if log_beta is None else log_beta
        log_density = ((self.a - 1) * np.log(x)[:, None] + (self.b - 1) * np.log1p(-x)[:, None]
                       - log_beta)
        return np.asarray((np.exp(log_density) * self.weights).sum(axis=1))

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """(groups, size) rates drawn from each group's mixture: a component by its weight,
        then a rate from its Beta."""
        cum = np.cumsum(self.weights, axis=1)
        u = rng.random((len(self.a), size)) * cum[:, -1:]
        pick = np.minimum((u[:, :, None] > cum[:, None, :]).sum(axis=2), cum.shape[1] - 1)
        rows = np.arange(len(self.a))[:, None]
        return np.asarray(rng.beta(self.a[rows, pick], self.b[rows, pick]))

    def twice(self) -> Posterior:
        """The same mixtures stacked twice: both ends of the intervals in one `quantile`."""
        return Posterior(a=np.concatenate([self.a, self.a]), b=np.concatenate([self.b, self.b]),
                         weights=np.concatenate([self.weights, self.weights]),
                         strength=self.strength)

    def quantile(self, q: float | np.ndarray, iterations: int = 40,
                 tol: float = 1e-14) -> np.ndarray:
        """The q-quantile of each group's mixture (q one level, or one level per group).

        Safeguarded Halley iteration on the mixture CDF, vectorised over groups. It starts
        from the Cornish-Fisher approximation (mean, spread and skewness of the mixture); a
        step that would leave the bracket known to hold the quantile is replaced by
        bisection, so it converges wherever bisection would. A group stops once its step is
        below `tol`; the CDF, the costly part, is only evaluated for groups still moving.
        """
        sp = special()
        levels = np.broadcast_to(np.asarray(q, dtype=float), (len(self.a),))
        x = np.clip(self._cornish_fisher(levels), 1e-9, 1 - 1e-9)
        lo = np.zeros(len(self.a))
        hi = np.ones(len(self.a))
        log_beta = sp.betaln(self.a, self.b)
        moving = np.arange(len(self.a))
        for _ in range(iterations):
            if not moving.size:
                break
            a, b, w, at = self.a[moving], self.b[moving], self.weights[moving], x[moving]
            f = (sp.betainc(a, b, at[:, None]) * w).sum(axis=1) - levels[moving]
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                density = np.exp((a - 1) * np.log(at)[:, None]
                                 + (b - 1) * np.log1p(-at)[:, None] - log_beta[moving]) * w
                slope = (density * ((a - 1) / at[:, None] - (b - 1) / (1 - at)[:, None])
                         ).sum(axis=1)
                pdf = density.sum(axis=1)
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
        w = self.weights
        mean = (means * w).sum(axis=1)
        off = means - mean[:, None]
        var = np.maximum(((variances + off**2) * w).sum(axis=1), 0.0)
        third = ((thirds + 3 * variances * off + off**3) * w).sum(axis=1)
        sd = np.sqrt(var)
        with np.errstate(divide="ignore", invalid="ignore"):
            skew = np.where(sd > 0, third / sd**3, 0.0)
        z = special().ndtri(q)
        return np.asarray(mean + sd * (z + (z**2 - 1) * skew / 6))
