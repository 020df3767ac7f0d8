"""The Brier score and its comparison with the base rate, checked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from funnelwise.metrics.brier import brier, skill

WON = pd.Series([1.0, 0.0, 1.0])


def test_mean_squared_gap_between_probability_and_outcome():
    """(0.9 - 1)^2 + (0.2 - 0)^2 + (0.5 - 1)^2 = 0.01 + 0.04 + 0.25 = 0.30, over 3."""
    assert brier(pd.Series([0.9, 0.2, 0.5]), WON) == pytest.approx(0.10)
    assert brier(WON, WON) == 0
    assert brier(1 - WON, WON) == 1


def test_the_base_rate_scores_b_times_one_minus_b_and_is_the_bar_to_beat():
    """Two of three won: saying 2/3 for every deal scores 2/3 x 1/3 = 2/9; the probabilities
    above score 0.10, so they remove 55% of it."""
    base = brier(pd.Series([2 / 3] * 3), WON)
    assert base == pytest.approx(2 / 9)
    assert skill(0.10, base) == pytest.approx(0.55)
    assert skill(base, base) == pytest.approx(0)


def test_missing_probabilities_are_left_out_and_nothing_scores_nan():
    assert brier(pd.Series([0.9, float("nan"), 0.5]), WON) == pytest.approx((0.01 + 0.25) / 2)
    assert math.isnan(brier(pd.Series([], dtype=float), pd.Series([], dtype=float)))
    assert math.isnan(skill(0.1, 0.0))
