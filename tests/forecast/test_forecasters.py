"""The three forecasters on tests/fixtures/tiny as of 2026-02-15, for 2026-Q1 (hand-checked)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from funnelwise.errors import UserError
from funnelwise.forecast import METHODS, get
from funnelwise.forecast.montecarlo import Flow, quantiles, simulate
from funnelwise.periods import parse_period

AS_OF = dt.date(2026, 2, 15)
Q1 = parse_period("2026-Q1")


def fit(ws, method):
    return get(method)(draws=2000, seed=1).fit(ws.crm(), AS_OF)


def predict(ws, method, by="all"):
    return fit(ws, method).predict(Q1, by=by)


def test_stage_weighted_is_won_so_far_plus_open_amount_times_stage_rate(tiny_ws):
    """Won in Q1 before 02-15: o1 100 + o4 50 = 150. Closed deals then: o1 and o4, both won,
    so every stage's rate is (2 + 1/2) / (2 + 1) = 5/6. Open: o2 200, o3 300, o5 100, o6 400,
    o7 500, o8 80 = 1,580, x 5/6 = 1,316.67; forecast 1,466.67."""
    g = predict(tiny_ws, "stage_weighted").groups.iloc[0]
    assert g["won_so_far"] == 150
    assert (g["open_deals"], g["open_amount"]) == (6, 1580)
    assert g["open_expected"] == pytest.approx(1580 * 5 / 6)
    assert g["expected"] == pytest.approx(150 + 1580 * 5 / 6)
    assert g["p10"] <= g["p50"] <= g["p90"]


def test_run_rate_carries_the_trailing_pace_over_the_days_left(tiny_ws):
    """History starts 01-01, so the window is the 45 days to 02-15: 2 wins (o1 100, o4 50).
    Q1 has 45 days left (02-15 to 03-31): 2 wins expected at ana's mean of 75 = 150,
    plus 150 already won = 300."""
    g = predict(tiny_ws, "run_rate").groups.iloc[0]
    assert (g["won_so_far"], g["new_expected"], g["expected"]) == (150, 150, 300)
    assert g["open_expected"] == 0


def test_funnelwise_gives_each_open_deal_a_probability(tiny_ws):
    p = predict(tiny_ws, "funnelwise")
    assert list(p.deals.opportunity_id) == ["o2", "o3", "o5", "o6", "o7", "o8"]
    assert ((p.deals.p >= 0) & (p.deals.p <= 1)).all()
    g = p.groups.iloc[0]
    assert g["expected"] == pytest.approx(g["won_so_far"] + g["open_expected"]
                                          + g["new_expected"])


def test_groups_by_rep_and_team(tiny_ws):
    """ana won both deals before 02-15; ben (North) and cy (South) have the rest open."""
    model = fit(tiny_ws, "stage_weighted")
    by_rep = model.predict(Q1, by="rep").groups.set_index("key")
    assert by_rep.loc["ana", "won_so_far"] == 150
    assert by_rep.loc["cy", "open_amount"] == 580
    by_team = model.predict(Q1, by="team").groups.set_index("key")
    assert by_team.loc["North", "open_amount"] == 1000 and by_team.loc["South", "open_deals"] == 2
    with pytest.raises(UserError, match="did you mean 'team'"):
        model.predict(Q1, by="teams")


def test_every_method_is_registered_and_unknown_ones_are_user_errors():
    assert set(METHODS) == {"funnelwise", "stage_weighted", "run_rate"}
    with pytest.raises(UserError, match="did you mean 'run_rate'"):
        get("runrate")


def test_monte_carlo_of_one_coin_flip_deal():
    """One deal of 100 won with p = 0.5: P10 = 0, P90 = 100, same figures for the same seed."""
    deals = pd.DataFrame({"amount": [100.0], "p": [0.5], "key": ["x"]})
    flow = Flow(reps=pd.DataFrame({"owner_rep_id": ["r"], "wins": [0.0], "mean_amount": [1.0],
                                   "key": ["x"]}))
    totals = simulate(deals, flow, ["x"], draws=4000, seed=3)
    assert abs(totals.mean() - 50) < 3
    q = quantiles(totals)
    assert (q[0, 0], q[2, 0]) == (0.0, 100.0)
    assert np.array_equal(totals, simulate(deals, flow, ["x"], draws=4000, seed=3))
