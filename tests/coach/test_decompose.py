"""Volume and yield effects: they add up to the change, exactly, by hand and on simulated data."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from funnelwise.io.workspace import Workspace
from funnelwise.metrics.decompose import (
    chain,
    compare_steps,
    compare_types,
    headline,
    parse_window,
    shapley_rate,
    split,
)


def test_split_at_the_midpoints():
    """100 emails at 10% -> 200 at 15%: outcomes 10 -> 30, change +20.

    volume effect = midpoint yield x change in volume = 0.125 x 100 = 12.5
    yield effect  = midpoint volume x change in yield = 150 x 0.05 = 7.5; 12.5 + 7.5 = 20.
    """
    s = split(100, 200, 10, 30)
    assert (s.total, s.volume, s.rate) == (20, Fraction(25, 2), Fraction(15, 2))
    assert s.rate == shapley_rate(100, 200, 10, 30)


def test_flat_volume_halved_yield_is_all_yield():
    """The seed: emails 1,000 -> 1,000, replies 10% -> 5%: the whole change is yield."""
    s = split(1000, 1000, 100, 50)
    assert (s.total, s.volume, s.rate) == (-50, 0, -50)


def test_no_volume_in_one_period_is_all_volume():
    s = split(0, 40, 0, 8)
    assert (s.total, s.volume, s.rate) == (8, 8, 0)


def test_chain_carries_each_rate_to_the_target():
    """outreach 1,000 -> 1,000, conversations 100 -> 50, meetings 40 -> 20.

    The rate outreach -> conversation halved (10% -> 5%); conversation -> meeting held at 40%.
    Meetings fell 20: carried through the midpoint rate below, 0.4 x 1,000 x (-0.05) = -20,
    all of it at the first step; the volume at outreach and the second rate add nothing.
    """
    c = chain(("outreach", "conversation", "meeting"), [1000, 100, 40], [1000, 50, 20])
    assert c.target_change == -20
    assert c.volume_to_target == 0
    assert c.to_target == (-20, 0)
    assert c.volume_to_target + sum(c.to_target) == c.target_change
    assert headline(c).startswith("meeting fell 50.0% (40 → 20): yield outreach → conversation "
                                  "10.0% → 5.0% (-20)")


def test_chain_adds_up_with_both_volume_and_rates_moving():
    c = chain(("a", "b", "c", "d"), [977, 131, 47, 20], [1203, 118, 52, 17], target=2)
    for j, s in enumerate(c.splits):
        assert s.volume + s.rate == s.total
        assert s.rate == shapley_rate(c.counts_a[j], c.counts_b[j], c.counts_a[j + 1],
                                      c.counts_b[j + 1])
    assert c.volume_to_target + sum(c.to_target) == c.target_change == 5


def test_parse_window_takes_periods_and_date_ranges():
    assert parse_window("2026-Q1").end.isoformat() == "2026-03-31"
    assert parse_window("2026-01-05..2026-02-01").start.isoformat() == "2026-01-05"


@pytest.fixture(scope="module")
def sim_crm(simulated):
    with Workspace(simulated.path, create=False) as ws:
        yield ws.crm()


def test_effects_add_up_on_simulated_data(sim_crm):
    a, b = parse_window("2025-Q4"), parse_window("2026-Q2")
    steps = compare_steps(sim_crm, a, b, by="rep").frame
    assert len(steps) == 80 * 4
    assert (steps["volume_effect"] + steps["yield_effect"] - steps["change"]).abs().max() < 1e-9
    per_rep = steps.groupby("key").agg(
        parts=("to_target", "sum"), volume=("volume_to_target", "sum"))
    target = steps[steps["next_step"] == "qualified"].set_index("key")
    change = target["next_b"] - target["next_a"]
    assert ((per_rep["parts"] + per_rep["volume"]) - change).abs().max() < 1e-9
    types = compare_types(sim_crm, a, b, by="all").frame
    assert (types["volume_effect"] + types["yield_effect"] - types["change"]).abs().max() < 1e-9
    assert (types["outputs_volume_effect"] + types["outputs_rate_effect"]
            - types["outputs_change"]).abs().max() < 1e-9


def test_a_planted_drop_shows_as_a_yield_effect(sim_crm, simulated):
    """A rep whose outreach -> conversation rate halved in the middle third: comparing the
    quarter before the drop with the last quarter, the yield effect at that step is most of
    the change in conversations, and it is negative."""
    truth = simulated.truth["reps"]
    rep = next(r for r, t in sorted(truth.items()) if t["drop"]
               and t["drop"]["step"] == "outreach" and t["drop"]["date"] >= "2025-10-01")
    a, b = parse_window("2025-07-01..2025-09-30"), parse_window("2026-Q2")
    rows = compare_steps(sim_crm, a, b, by="rep").frame
    row = rows[(rows["key"] == rep) & (rows["step"] == "outreach")].iloc[0]
    assert row["yield_effect"] < 0
    assert abs(row["yield_effect"]) > abs(row["volume_effect"])
    assert row["rate_b"] / row["rate_a"] == pytest.approx(
        truth[rep]["drop"]["rate_after"] / truth[rep]["drop"]["rate_before"], abs=0.2)
    json.dumps(rows.to_dict(orient="records"))
