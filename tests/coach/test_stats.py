"""The evidence behind flags: change points and shortfalls on data with a known answer."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from funnelwise.coach.stats import change_point, overflow, prob_short


def weeks(rates: list[float], n: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """One rep: `n` trials a week, successes exactly rate x n."""
    trials = np.full((1, len(rates)), float(n))
    return np.round(trials * np.array(rates)), trials


def test_a_halved_rate_is_found_with_its_week():
    """20% for 18 weeks then 10% for 12: P(now more than 10% under before) is ~1 and the
    likeliest change week is week 18."""
    k, n = weeks([0.2] * 18 + [0.1] * 12)
    cp = change_point(k, n, margin=0.1, recent=8)
    assert cp.prob[0] > 0.999
    assert cp.start[0] == 18
    assert (cp.k_before[0], cp.n_before[0], cp.k_after[0], cp.n_after[0]) == (360, 1800, 120,
                                                                               1200)


def test_a_steady_rate_is_not_a_drop():
    """20% every week: the after segment's rate is no lower, but with 800-2,200 trials a 10%
    drop is not excluded either: P is small, far under the 0.97 a flag needs."""
    k, n = weeks([0.2] * 30)
    assert change_point(k, n, margin=0.1, recent=8).prob[0] < 0.2


def test_a_drop_that_recovered_before_the_recent_window_is_not_flagged():
    """Down for weeks 10-15, back to 20% for the last 14 weeks: the recent window must sit
    inside the "after" segment, so no split explains a drop that still holds."""
    k, n = weeks([0.2] * 10 + [0.1] * 6 + [0.2] * 14)
    assert change_point(k, n, margin=0.1, recent=8).prob[0] < 0.2


def test_a_rise_is_the_mirror_image():
    k, n = weeks([0.1] * 15 + [0.2] * 15)
    assert change_point(k, n, margin=0.1, recent=8, rise=True).prob[0] > 0.999
    assert change_point(k, n, margin=0.1, recent=8).prob[0] < 1e-6


def test_small_samples_need_a_bigger_change():
    """The same halving on 5 trials a week instead of 100 is far less certain."""
    k, n = weeks([0.4] * 18 + [0.2] * 12, n=5)
    small = change_point(k, n, margin=0.1, recent=8).prob[0]
    k, n = weeks([0.4] * 18 + [0.2] * 12, n=100)
    assert small < change_point(k, n, margin=0.1, recent=8).prob[0]
    assert 0.5 < small < 0.9999


def test_too_short_a_history_gives_no_evidence():
    k, n = weeks([0.2] * 10)
    assert change_point(k, n, margin=0.1, recent=8).prob[0] == 0


def test_shortfall_probability():
    """Against 2 a week over 10 weeks, is the rate under 1.6 (20% short)?

    The posterior of the weekly rate after k events in 10 weeks is Gamma(k + 1/2, rate 10),
    so P(rate < 1.6) is the regularised lower incomplete gamma P(k + 1/2, 16): 0 events,
    surely short; 12 (1.2 a week), likely; 25 (more than needed), unlikely.
    """
    p = prob_short(np.array([0, 12, 25]), np.array([10, 10, 10]), np.array([2.0, 2.0, 2.0]),
                   0.2)
    assert p == pytest.approx([special.gammainc(k + 0.5, 16.0) for k in (0, 12, 25)])
    assert p[0] > 0.999
    assert p[2] < 0.05
    assert p[0] > p[1] > p[2]


def test_counts_that_are_not_nested_are_found_with_the_worst_segment():
    """Weeks 0-9 hold 3 at the next step against 2 at the step, then 1 of 4. Of the segments
    compared (before and from each τ in 8..12 of 20 weeks, recent 8), every one from the start
    runs over 100%, most up to τ = 10 (30 against 20), which the change-point model alone
    reads as a rate of 100% before. A rep at 1 of 4 throughout is nested."""
    k = np.array([[3] * 10 + [1] * 10, [1] * 20], float)
    n = np.array([[2] * 10 + [4] * 10, [4] * 20], float)
    over = overflow(k, n, recent=8)
    assert over.found.tolist() == [True, False]
    assert (over.start[0], over.end[0], over.k[0], over.n[0]) == (0, 10, 30, 20)
    assert change_point(k, n, margin=0.1, recent=8).prob[0] > 0.99  # read as 100% before


def test_too_short_a_history_compares_nothing():
    assert not overflow(np.full((1, 10), 5.0), np.ones((1, 10)), recent=8).found[0]
