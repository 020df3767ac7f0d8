"""`conversion` turns more activities into opportunities; its default changes nothing."""

from __future__ import annotations

import pytest

from funnelwise.errors import UserError
from funnelwise.simulate import SimConfig, simulate_org


def test_default_conversion_is_the_plain_org() -> None:
    plain = simulate_org(SimConfig(reps=6, weeks=12, seed=4))
    same = simulate_org(SimConfig(reps=6, weeks=12, seed=4, conversion=1.0))
    for name, table in plain.tables.items():
        assert table.equals(same.tables[name]), name


def test_higher_conversion_gives_more_opportunities_per_activity() -> None:
    plain = simulate_org(SimConfig(reps=10, weeks=26, seed=2)).tables
    warm = simulate_org(SimConfig(reps=10, weeks=26, seed=2, conversion=1.6))
    per_plain = plain["activities"].num_rows / plain["opportunities"].num_rows
    per_warm = warm.tables["activities"].num_rows / warm.tables["opportunities"].num_rows
    assert per_warm < per_plain / 2
    assert warm.truth["conversion"] == 1.6
    rates = [rate for r in warm.truth["reps"].values()
             for step, rate in r["step_rates"].items() if step != "qualified"]
    assert max(rates) <= 0.9


def test_conversion_must_be_positive() -> None:
    with pytest.raises(UserError, match="conversion"):
        SimConfig(conversion=0.0)
