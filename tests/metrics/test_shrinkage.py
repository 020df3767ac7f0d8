"""The empirical-Bayes prior recovers a known prior strength from simulated counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from funnelwise.metrics.shrinkage import posterior, shrink, typical_strength


def test_prior_strength_is_learnt_from_beta_binomial_data():
    rng = np.random.default_rng(11)
    p, m = 0.3, 40.0
    rates = rng.beta(m * p, m * (1 - p), size=400)
    n = rng.integers(20, 200, size=400)
    k = rng.binomial(n, rates)
    post = posterior(k.astype(float), n.astype(float), np.full(400, p))
    assert typical_strength(post) == pytest.approx(m, rel=0.25)


def test_interval_covers_true_rates_at_about_the_nominal_level():
    rng = np.random.default_rng(5)
    rates = rng.beta(12, 28, size=1000)
    n = rng.integers(5, 60, size=1000)
    frame = pd.DataFrame({"k": rng.binomial(n, rates), "n": n, "parent": "(all)"})
    out, _ = shrink(frame, k="k", n="n", prefix="r", level=0.9)
    covered = ((out["r_lo"] <= rates) & (rates <= out["r_hi"])).mean()
    assert 0.87 <= covered <= 0.93


def test_no_data_falls_back_to_parent_rate():
    frame = pd.DataFrame({"k": [0, 30], "n": [0, 100], "parent": ["(all)", "(all)"]})
    out, m = shrink(frame, k="k", n="n", prefix="r", prior_strength=20)
    assert m == 20
    assert out.loc[0, "r_est"] == pytest.approx(30.5 / 101)


def test_fixed_strength_gives_the_closed_form_beta_posterior():
    """k = 3 of n = 4 toward p with m = 10 is Beta(3 + 10 p, 1 + 10 (1 - p))."""
    from scipy import stats

    post = posterior(np.array([3.0]), np.array([4.0]), np.array([0.6]), prior_strength=10)
    assert post.mean()[0] == pytest.approx(9 / 14)
    assert post.quantile(0.025)[0] == pytest.approx(stats.beta.ppf(0.025, 9, 5), abs=1e-9)
    assert post.quantile(0.975)[0] == pytest.approx(stats.beta.ppf(0.975, 9, 5), abs=1e-9)
