"""Beta-binomial shrinkage: honest rates for small samples.

A rep who won 3 of 4 deals does not have a 75% win rate. Each group's rate is estimated with
a Beta prior centred on its parent's pooled rate p (a rep's team; for other groupings the
whole organisation), with prior strength m (the prior counts as m deals):

    estimate = (k + m p) / (n + m)
    interval = central `level` interval of Beta(k + m p, n - k + m (1 - p))

m is fitted by empirical Bayes: the value in [M_MIN, M_MAX] that maximises the beta-binomial
marginal likelihood of all groups' counts. Groups with little data move most of the way to
their parent; groups with much data keep close to their raw rate. This runs on the
aggregated counts (one row per group), after the Ibis query.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

M_MIN = 2.0
M_MAX = 1000.0
DEFAULT_LEVEL = 0.95


def _betabinom_loglik(m: float, k: np.ndarray, n: np.ndarray, p: np.ndarray) -> float:
    a, b = m * p, m * (1 - p)
    return float(np.sum(special.betaln(k + a, n - k + b) - special.betaln(a, b)))


def fit_prior_strength(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> float:
    """Prior strength m maximising the beta-binomial marginal likelihood (bounded)."""
    keep = (n > 0) & (p > 0) & (p < 1)
    if keep.sum() < 2:
        return 10.0
    k, n, p = k[keep], n[keep], p[keep]
    res = optimize.minimize_scalar(
        lambda logm: -_betabinom_loglik(float(np.exp(logm)), k, n, p),
        bounds=(np.log(M_MIN), np.log(M_MAX)), method="bounded",
    )
    return float(np.exp(res.x))


def parent_rates(frame: pd.DataFrame, *, k: str, n: str) -> pd.Series:
    """Pooled rate of each row's parent, (K + 1/2) / (N + 1) over the parent's groups.

    The half-count (Jeffreys) keeps a parent that won all or none of its deals off 0 and 1,
    so the interval still shows the uncertainty. `(all)` is the whole organisation.
    """
    overall = (frame[k].sum() + 0.5) / (frame[n].sum() + 1.0)
    pooled = frame.groupby("parent")[[k, n]].sum()
    rate = ((pooled[k] + 0.5) / (pooled[n] + 1.0)).to_dict()
    rate["(all)"] = overall
    return frame["parent"].map(rate).fillna(overall).astype(float)


def shrink(
    frame: pd.DataFrame, *, k: str, n: str, prefix: str, level: float = DEFAULT_LEVEL,
    prior_strength: float | None = None,
) -> tuple[pd.DataFrame, float]:
    """Add `<prefix>_est`, `<prefix>_lo`, `<prefix>_hi` and return the prior strength used."""
    out = frame.copy()
    kk = out[k].to_numpy(dtype=float)
    nn = out[n].to_numpy(dtype=float)
    p = np.clip(parent_rates(out, k=k, n=n).to_numpy(dtype=float), 1e-6, 1 - 1e-6)
    m = prior_strength if prior_strength is not None else fit_prior_strength(kk, nn, p)
    a = kk + m * p
    b = np.maximum(nn - kk, 0) + m * (1 - p)
    tail = (1 - level) / 2
    out[f"{prefix}_est"] = a / (a + b)
    out[f"{prefix}_lo"] = stats.beta.ppf(tail, a, b)
    out[f"{prefix}_hi"] = stats.beta.ppf(1 - tail, a, b)
    out["parent_rate"] = p
    return out, m
