"""The stage-and-age survival model: a hand-checked fit, and recovery on simulated data."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from funnelwise.forecast.snapshot import take
from funnelwise.forecast.survival import (
    exposure,
    fit_survival,
    from_rate_sets,
    moves,
    posterior_rates,
    rates,
)
from funnelwise.io.workspace import Workspace
from funnelwise.metrics.span import data_span
from tests.forecast.helpers import ONE_STAGE_FUNNEL, workspace_from

THREE_DEALS = {
    "reps": "rep_id\nr1",
    "opportunities": """
        opportunity_id,owner_rep_id,created_at,stage,amount,status,closed_at
        A,r1,2026-01-01,Won,100,won,2026-01-11
        B,r1,2026-01-01,Lost,100,lost,2026-01-04
        C,r1,2026-01-01,Open,100,open,
    """,
}


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    ws = workspace_from(tmp_path_factory.mktemp("three"), THREE_DEALS,
                        funnel_text=ONE_STAGE_FUNNEL)
    yield take(ws.crm(), dt.date(2026, 1, 21)).spells
    ws.close()


def test_exposure_and_moves_by_week(three):
    """As of 2026-01-21 (day 20), in weekly bins:

    bin 0 (days 0-7): A 7 days, B 3 (lost on day 3), C 7       -> exposure 17, one loss
    bin 1 (days 7-14): A 3 (won on day 10), C 7                 -> exposure 10, one win
    bin 2 (days 14-21): C 6 (still open on day 20: censored)    -> exposure 6, no event
    """
    assert exposure(three)[0, :3].tolist() == [17.0, 10.0, 6.0]
    d = moves(three)
    assert d[0, 0].tolist() == [0.0, 0.0, 1.0] and d[0, 1].tolist() == [0.0, 1.0, 0.0]
    assert d.sum() == 2


def test_won_by_is_the_product_of_the_weekly_transitions(three):
    """Without a prior: lost at 1/17 a day in week 0, won at 1/10 a day in week 1, so
    P(won by day 14) = exp(-7/17) x (1 - exp(-7/10)), and no later event can add to it."""
    model = fit_survival(three, prior_weight=0.0)
    expected = math.exp(-7 / 17) * (1 - math.exp(-7 / 10))
    assert model.won_by[0, 0, 0] == pytest.approx(0.0)
    assert model.won_by[0, 1, 0] == pytest.approx(expected, rel=1e-9)
    assert model.won_by[0, 5, 0] == pytest.approx(expected, rel=1e-9)
    half = model.p_won(np.array([0]), np.array([0.0]), np.array([0.0]), np.array([10.5]))
    assert half[0] == pytest.approx(expected / 2, rel=1e-9)


def test_a_thin_week_borrows_from_the_stage_average(three):
    """Average rates: 1 win and 1 loss over 33 days. Week 2 has 6 days and no event; with
    4 weeks (28 days) of prior exposure its win rate is (0 + 28 / 33) / (6 + 28) a day."""
    q, _ = rates(three)
    assert q[0, 2, 1] == pytest.approx((28 / 33) / 34)
    assert q[0, 0, 2] == pytest.approx((1 + 28 / 33) / (17 + 28))


def test_drawn_rates_centre_on_the_jeffreys_posterior_and_unseen_moves_stay_impossible(three):
    """The stage's average win rate is drawn from Gamma(1 + 1/2, 33 days), then week 2's from
    Gamma(0 + 28 x average, 6 + 28): its mean is 28 x (1.5 / 33) / 34 a day. No deal ever
    moved from the open stage to itself, so that rate is 0 in every draw."""
    q = posterior_rates(three, np.random.default_rng(5), 40000)
    assert q[:, 0, 2, 1].mean() == pytest.approx(28 * (1.5 / 33) / 34, rel=0.02)
    assert q[:, 0, 2, 1].std() > 0.3 * q[:, 0, 2, 1].mean()  # one win: a wide posterior
    assert (q[:, 0, :, 0] == 0).all()


def test_models_of_drawn_rates_are_the_fitted_model_when_the_rates_are_the_fit(three):
    fitted = fit_survival(three)
    q, e = rates(three)
    one = from_rate_sets(three, q[None], e, bins=fitted.bins)[0]
    np.testing.assert_allclose(one.won_by, fitted.won_by, atol=1e-12)
    start = np.arange(fitted.bins) * fitted.bin_days
    state = np.zeros(fitted.bins, dtype=int)
    np.testing.assert_allclose(one.p_eventually(state, start),
                               fitted.p_eventually(state, start), atol=1e-12)


def test_recovers_the_simulated_win_rate(simulated):
    """The simulated org wins w = truth team win rate of its qualified deals, whenever they
    close; the model fitted on all the data (open deals censored) gives P(won ever) for a
    deal at creation in the first stage within 2 points of it, and for a deal at creation in
    Negotiation close to w / (w + (1 - w) 0.25) (a quarter of lost deals reach Negotiation).
    """
    w = simulated.truth["team"]["win_rate"]
    with Workspace(simulated.path) as ws:
        crm = ws.crm()
        model = fit_survival(take(crm, data_span(crm).today).spells)
    ever = model.p_eventually(np.array([0, 2]), np.zeros(2))
    assert abs(ever[0] - w) < 0.02
    assert abs(ever[1] - w / (w + (1 - w) * 0.25)) < 0.06
