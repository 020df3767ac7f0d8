"""Logistic regression with one random effect per group (a rep), fitted by penalised Newton.

    logit P(y = 1) = x . beta + b_g        b_g ~ Normal(0, tau^2), one per group g

`y` may be a fraction (a deal still open counts as its expected outcome, see `probability`).
Each row has a weight; beta carries a small ridge penalty `ridge / 2 |beta|^2` so that a
feature no row has (a rule that never fired) stays at 0. The group effects are the posterior
modes given tau^2, and tau^2 is learnt from the data by the EM step for a variance component
(Schall 1991): tau^2 = mean over groups of (b_g^2 + var b_g). Groups that differ only by noise
get tau^2 near 0, so their effects vanish; groups that differ keep effects in proportion to
their evidence: a rep with few deals stays near the team's line.

Plain numpy: the system has one row and column per feature and per group (tens to hundreds),
so each Newton step is one small dense solve. The products over rows are `einsum` loops, not
BLAS calls: on a busy machine a threaded BLAS spends more time waiting for cores than it saves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STEPS = 25
TOLERANCE = 1e-7
VARIANCE_ROUNDS = 6
START_VARIANCE = 0.1
MIN_VARIANCE = 1e-4


@dataclass(frozen=True)
class Logistic:
    """Fitted coefficients (`coef_`), one effect per group (`effects_`) and their spread."""

    coef_: np.ndarray
    effects_: np.ndarray
    group_sd_: float

    def predict(self, x: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """P(y = 1) of each row; a group of -1 (unknown) has no effect."""
        return _sigmoid(_eta(x, groups, self.coef_, self.effects_))


def _sigmoid(eta: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(eta, -30.0, 30.0)))


def _eta(x: np.ndarray, groups: np.ndarray, coef: np.ndarray,
         effects: np.ndarray) -> np.ndarray:
    eta = np.einsum("ij,j->i", x, coef)
    if not effects.size:
        return eta
    known = groups >= 0
    return eta + np.where(known, effects[np.where(known, groups, 0)], 0.0)


def _by_group(values: np.ndarray, groups: np.ndarray, n: int) -> np.ndarray:
    known = groups >= 0
    return np.bincount(groups[known], weights=values[known], minlength=n)


def _newton(x: np.ndarray, y: np.ndarray, w: np.ndarray, groups: np.ndarray,
            beta: np.ndarray, *, ridge: float, tau2: float) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mode of (coefficients, effects) given tau^2, and the effects' variances."""
    p, n = x.shape[1], beta.shape[0] - x.shape[1]
    precision = np.r_[np.full(p, ridge), np.full(n, 1.0 / tau2)]
    for _ in range(STEPS):
        mu = _sigmoid(_eta(x, groups, beta[:p], beta[p:]))
        r, h = w * (y - mu), w * mu * (1.0 - mu)
        gradient = np.r_[np.einsum("ij,i->j", x, r), _by_group(r, groups, n)] - (
            precision * beta)
        hx = x * h[:, None]
        cross = np.stack([_by_group(hx[:, j], groups, n) for j in range(p)])
        hessian = np.block([[np.einsum("ij,ik->jk", hx, x), cross],
                            [cross.T, np.diag(_by_group(h, groups, n))]])
        hessian[np.diag_indices_from(hessian)] += precision
        step = np.linalg.solve(hessian, gradient)
        beta = beta + step
        if np.abs(step).max() < TOLERANCE:
            break
    return beta, _effect_variances(hessian, p)


def _effect_variances(hessian: np.ndarray, p: int) -> np.ndarray:
    """The diagonal of the inverse Hessian's group block. That block is diagonal (d) but for
    the cross terms C, so by the Schur complement S = A - C d^-1 C':
    diag = 1/d + columns of (C / d) read through S^-1; no inverse larger than p x p."""
    a, c, d = hessian[:p, :p], hessian[:p, p:], np.diag(hessian)[p:]
    cd = c / d
    s = a - np.einsum("jg,kg->jk", cd, c)
    return 1.0 / d + np.einsum("jg,jk,kg->g", cd, np.linalg.inv(s), cd)


def fit_logistic(x: np.ndarray, y: np.ndarray, *, groups: np.ndarray, n_groups: int,
                 weight: np.ndarray, ridge: float = 1.0, start: Logistic | None = None,
                 rounds: int = VARIANCE_ROUNDS) -> Logistic:
    """Coefficients, group effects and the groups' spread tau (see the module), after
    `rounds` updates of tau^2 (fewer suffice from a `start` close to the answer)."""
    p = x.shape[1]
    beta = (np.zeros(p + n_groups) if start is None
            else np.r_[start.coef_, start.effects_])
    tau2 = START_VARIANCE if start is None else max(start.group_sd_ ** 2, MIN_VARIANCE)
    seen = _by_group(np.ones(len(y)), groups, n_groups) > 0
    if not seen.any():
        beta, _ = _newton(x, y, weight, groups, beta, ridge=ridge, tau2=MIN_VARIANCE)
        return Logistic(coef_=beta[:p], effects_=beta[p:], group_sd_=0.0)
    for _ in range(rounds):
        beta, var = _newton(x, y, weight, groups, beta, ridge=ridge, tau2=tau2)
        b = beta[p:][seen]
        tau2 = max(float(np.mean(b**2 + var[seen])), MIN_VARIANCE)
    beta, _ = _newton(x, y, weight, groups, beta, ridge=ridge, tau2=tau2)
    return Logistic(coef_=beta[:p], effects_=beta[p:], group_sd_=float(np.sqrt(tau2)))
