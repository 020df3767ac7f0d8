"""The logistic regression with rep effects recovers the parameters it was simulated from."""

from __future__ import annotations

import numpy as np
import pytest

from funnelwise.pipeline.logistic import fit_logistic

BETA = np.array([-0.5, 1.2, -0.8])


def simulate(rep_sd: float, *, reps: int = 60, rows: int = 30_000, seed: int = 5):
    """Rows with an intercept, a number and a flag; each rep adds an effect of spread rep_sd."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([np.ones(rows), rng.normal(size=rows), rng.random(rows) < 0.3])
    group = rng.integers(0, reps, rows)
    effect = rng.normal(0.0, rep_sd, reps)
    eta = x @ BETA + effect[group]
    y = (rng.random(rows) < 1 / (1 + np.exp(-eta))).astype(float)
    return x, y, group, effect


def test_coefficients_and_the_spread_of_reps_are_recovered():
    x, y, group, effect = simulate(0.5)
    fit = fit_logistic(x, y, groups=group, n_groups=60, weight=np.ones(len(y)), ridge=1e-3)
    assert fit.coef_ == pytest.approx(BETA, abs=0.1)
    assert fit.group_sd_ == pytest.approx(0.5, abs=0.1)
    assert np.corrcoef(fit.effects_, effect)[0, 1] > 0.9


def test_reps_that_differ_only_by_noise_get_no_effect():
    x, y, group, _ = simulate(0.0)
    fit = fit_logistic(x, y, groups=group, n_groups=60, weight=np.ones(len(y)), ridge=1e-3)
    assert fit.group_sd_ < 0.1
    assert np.abs(fit.effects_).max() < 0.1


def test_a_fraction_counts_as_its_expected_outcome():
    """Outcomes given as their probabilities fit the same line as the drawn outcomes."""
    x, y, _, _ = simulate(0.0, seed=6)
    p = 1 / (1 + np.exp(-(x @ BETA)))
    fit = fit_logistic(x, p, groups=np.full(len(y), -1), n_groups=0,
                       weight=np.ones(len(y)), ridge=1e-3)
    assert fit.coef_ == pytest.approx(BETA, abs=1e-3)
    assert fit.predict(x[:3], np.full(3, -1)) == pytest.approx(p[:3], abs=1e-4)
