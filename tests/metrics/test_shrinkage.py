"""The empirical-Bayes prior recovers a known prior strength from simulated counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from funnelwise.metrics.shrinkage import fit_prior_strength, shrink


def test_fit_recovers_prior_strength_from_beta_binomial_data():
    rng = np.random.default_rng(11)
    p, m = 0.3, 40.0
    rates = rng.beta(m * p, m * (1 - p), size=400)
    n = rng.integers(20, 200, size=400)
    k = rng.binomial(n, rates)
    fitted = fit_prior_strength(k.astype(float), n.astype(float), np.full(400, p))
    assert fitted == pytest.approx(m, rel=0.25)


def test_interval_covers_true_rates_at_about_the_nominal_level():
    rng = np.random.default_rng(5)
    rates = rng.beta(12, 28, size=2000)
    n = rng.integers(5, 60, size=2000)
    frame = pd.DataFrame({"k": rng.binomial(n, rates), "n": n, "parent": "(all)"})
    out, _ = shrink(frame, k="k", n="n", prefix="r", level=0.9)
    covered = ((out["r_lo"] <= rates) & (rates <= out["r_hi"])).mean()
    assert 0.87 <= covered <= 0.93


def test_no_data_falls_back_to_parent_rate():
    frame = pd.DataFrame({"k": [0, 30], "n": [0, 100], "parent": ["(all)", "(all)"]})
    out, _m = shrink(frame, k="k", n="n", prefix="r", prior_strength=20)
    assert out.loc[0, "r_est"] == pytest.approx(30.5 / 101)
