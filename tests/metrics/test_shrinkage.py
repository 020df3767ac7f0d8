"""The prior's parameters are recovered from counts drawn from it; its three levels and its
heavier tails do what they are for."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from funnelwise.metrics import prior
from funnelwise.metrics.shrinkage import (
    group_posterior,
    posterior,
    shrink,
    shrink_counts,
    typical_strength,
)


def draw_rates(rng: np.random.Generator, p: np.ndarray, m: float) -> np.ndarray:
    """Rates from the prior: Beta(m p, m (1 - p)), or with chance UNLIKE the wide Beta."""
    strength = np.where(rng.random(p.shape) < prior.UNLIKE, prior.WIDE, m)
    return rng.beta(strength * p, strength * (1 - p))


def test_prior_strength_is_learnt_from_counts_drawn_from_the_prior():
    rng = np.random.default_rng(11)
    p, m = np.full(400, 0.3), 40.0
    n = rng.integers(20, 200, size=400)
    k = rng.binomial(n, draw_rates(rng, p, m))
    post = posterior(k.astype(float), n.astype(float), p)
    assert typical_strength(post) == pytest.approx(m, rel=0.25)


def test_team_rates_are_learnt_when_teams_differ_and_pooled_when_they_do_not():
    """Six teams of eight reps. Teams at 0.15 to 0.45: each rep's parent rate follows its
    team's (eight reps' rates tell a team's within a few points). Teams alike (all at 0.3):
    the parent rates are pulled together, a quarter or more of the spread of the teams' own
    rates (what eight reps' luck gives them) taken out."""
    rng = np.random.default_rng(3)
    team = np.repeat(np.arange(6), 8)
    parents = np.array([f"T{t}" for t in team], dtype=object)
    n = np.full(48, 60.0)
    k = rng.binomial(60, draw_rates(rng, np.linspace(0.15, 0.45, 6)[team], 60.0)).astype(float)
    _, parent = group_posterior(k, n, parents)
    assert np.abs(parent - np.linspace(0.15, 0.45, 6)[team]).max() < 0.08
    assert (np.diff(parent[::8]) > 0).all()
    k = rng.binomial(60, draw_rates(rng, np.full(48, 0.3), 60.0)).astype(float)
    _, parent = group_posterior(k, n, parents)
    own = np.bincount(team, weights=k) / np.bincount(team, weights=n)
    assert np.ptp(parent) < 0.75 * np.ptp(own)


def test_the_spread_between_reps_is_learnt_when_teams_are_small():
    """600 reps in pairs, rates from the prior with m = 40 around 0.3. Each rep's deals count
    once, and m is recovered. A team rate made from the pair's pooled counts and taken as
    exact already leans toward each rep and hides about half of its distance from the team:
    m looks two to five times as large and everyone is pulled too far."""
    rng = np.random.default_rng(14)
    n = rng.integers(20, 200, size=600).astype(float)
    k = rng.binomial(n.astype(int), draw_rates(rng, np.full(600, 0.3), 40.0)).astype(float)
    parents = np.array([f"T{i // 2}" for i in range(600)], dtype=object)
    post, _ = group_posterior(k, n, parents)
    assert typical_strength(post) == pytest.approx(40.0, rel=0.25)
    pooled = np.repeat(k.reshape(-1, 2).sum(axis=1) / n.reshape(-1, 2).sum(axis=1), 2)
    assert typical_strength(posterior(k, n, pooled)) > 2 * 40


def test_a_rep_far_from_the_team_keeps_more_of_their_own_rate_than_a_plain_beta_gives():
    """The heavier tails: 39 reps near 0.3 and one who won 45 of 60. The plain Beta prior at
    the learnt strength pulls that rep further toward the team than the model does."""
    rng = np.random.default_rng(7)
    k = np.concatenate([rng.binomial(60, rng.beta(30, 70, size=39)), [45]]).astype(float)
    n = np.full(40, 60.0)
    parents = np.array(["(all)"] * 40, dtype=object)
    got = shrink_counts(k, n, parents)
    plain = posterior(k, n, got.parent_rate, prior_strength=got.strength).mean()
    assert got.est[-1] > plain[-1] + 0.05
    assert got.est[-1] == pytest.approx(0.75, abs=0.05)
    assert got.lo[-1] > 0.55


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


def test_draws_follow_each_groups_mixture():
    """Rates drawn from the mixture posterior have its mean and its quantiles, group by group
    (200,000 draws: the mean within 0.002, the 10% and 90% quantiles within 0.005)."""
    k, n = np.array([3.0, 10.0, 20.0, 1.0]), np.array([4.0, 30.0, 50.0, 10.0])
    post = posterior(k, n, np.full(4, 0.35))
    drawn = post.draw(np.random.default_rng(0), 200_000)
    assert drawn.shape == (4, 200_000)
    assert np.allclose(drawn.mean(axis=1), post.mean(), atol=0.002)
    exact = post.twice().quantile(np.repeat([0.1, 0.9], 4)).reshape(2, 4)
    assert np.allclose(np.quantile(drawn, [0.1, 0.9], axis=1), exact, atol=0.005)
