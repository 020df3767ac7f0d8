"""What-if scenarios and the team roll-up, on numbers small enough to check by hand."""

from __future__ import annotations

import pytest

from funnelwise.errors import UserError
from funnelwise.plan import Target, WhatIf, apply_what_if, plan_reps, rollup
from funnelwise.plan.explicit import explicit_funnel


def emails(rate: float) -> tuple:
    """10 qualified opportunities needed (500k, 100k deals, half won), emails at `rate`."""
    f = explicit_funnel(deal_size=100_000, win_rate=0.5, steps=[("email", rate)])
    return f, Target(quota=500_000, weeks=10)


def test_1000_emails_at_1_percent_or_67_at_15_percent():
    f, t = emails(0.01)
    (base,) = plan_reps([f], [t])
    (alt,) = plan_reps([apply_what_if(f, WhatIf((("email", 0.15),)))], [t])
    assert base.need("email").total_needed == pytest.approx(1000)  # 10 / 1%
    assert alt.need("email").total_needed == pytest.approx(10 / 0.15)  # 66.7
    assert alt.opportunities_needed == base.opportunities_needed == pytest.approx(10)


def test_deal_size_and_win_rate_what_ifs():
    f, t = emails(0.01)
    (bigger,) = plan_reps([apply_what_if(f, WhatIf((("deal-size", 200_000),)))], [t])
    assert bigger.wins_needed == pytest.approx(2.5)
    assert bigger.need("email").total_needed == pytest.approx(500)
    (better,) = plan_reps([apply_what_if(f, WhatIf((("win-rate", 0.25),)))], [t])
    assert better.opportunities_needed == pytest.approx(20)  # 5 wins at 25%


def test_an_unknown_what_if_suggests_the_step():
    f, _ = emails(0.01)
    with pytest.raises(UserError, match=r"unknown what-if 'emial'; did you mean 'email'"):
        apply_what_if(f, WhatIf((("emial", 0.2),)))
    with pytest.raises(UserError, match="at most 1"):
        apply_what_if(f, WhatIf((("email", 15),)))


def test_the_sum_of_rep_plans_exceeds_the_team_average_plan():
    """Two reps, 100k each, 10k deals: one wins 50%, the other 20%. Per rep: 10 wins each,
    20 and 50 opportunities, 70 in all. The team average (35% over 200k) asks for
    20 / 0.35 = 57.1: a plan from averages leaves out 12.9 opportunities."""
    a = explicit_funnel(deal_size=10_000, win_rate=0.5, steps=[])
    b = explicit_funnel(deal_size=10_000, win_rate=0.2, steps=[])
    team = explicit_funnel(deal_size=10_000, win_rate=0.35, steps=[])
    t = Target(quota=100_000, weeks=13)
    plans = plan_reps([a, b], [t, t])
    (team_plan,) = plan_reps([team], [Target(quota=200_000, weeks=13)])
    r = rollup(plans, team_plan)
    opps = r.steps[0]
    assert (opps.step, opps.sum_of_reps) == ("qualified", pytest.approx(70))
    assert opps.team_average == pytest.approx(200 / 3.5)
    assert opps.difference == pytest.approx(70 - 200 / 3.5)
    assert r.steps[1].difference == pytest.approx(0)  # 20 wins either way
