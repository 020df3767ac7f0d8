"""Audit forwards: the seed's 60% plan, closed forms and the Monte Carlo around them; what
the pipeline adds."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from funnelwise.plan import DealSize, PlanVolumes, Rate, RepFunnel, Target, project
from funnelwise.plan.explicit import explicit_funnel
from funnelwise.plan.open_deals import OpenPipeline

STEPS = [("outreach", 0.10), ("conversation", 0.24), ("meeting", 0.5)]


def seed_case() -> tuple[RepFunnel, Target, PlanVolumes]:
    """A manager's forward plan: 100 touches a week, expecting 10 conversations, 4 meetings and
    2 opportunities (so 40% of conversations becoming meetings), 25% won, 100k deals, for a
    2.4M target over 48 weeks. His arithmetic adds up: 2 x 25% x 48 x 100k = 2.4M.

    The rep's real conversation -> meeting rate is 24%, not 40%:
    100 x 0.10 x 0.24 x 0.5 x 0.25 = 0.3 wins a week, x 48 = 14.4 wins, x 100k = 1.44M = 60%.
    """
    f = explicit_funnel(deal_size=100_000, win_rate=0.25, steps=STEPS)
    plan = PlanVolumes({"outreach": 100, "conversation": 10, "meeting": 4, "qualified": 2})
    return f, Target(quota=2_400_000, weeks=48), plan


def test_the_seed_plan_reaches_60_percent_and_names_the_binding_step():
    f, t, plan = seed_case()
    (p,) = project([f], [t], [plan], outcome_noise=False)
    assert p.expected_wins == pytest.approx(14.4)
    assert p.expected_revenue == pytest.approx(1_440_000)
    assert p.attainment == pytest.approx(0.60)
    assert p.binding_step == "conversation"
    flows = {s.step: s for s in p.steps}
    assert flows["conversation"].reference_rate == pytest.approx(0.40)  # 4 / 10 planned
    assert flows["meeting"].expected_per_week == pytest.approx(2.4)  # planned 4
    # two ways to close the gap: 100 / 0.6 touches a week, or 24% / 0.6 = 40% at the step
    assert p.start_volume_needed == pytest.approx(166.667, abs=1e-3)
    assert p.rate_needed == pytest.approx(0.40)


def test_fixed_rates_give_the_closed_form_product():
    f, t, plan = seed_case()
    (p,) = project([f], [t], [plan], outcome_noise=False, draws=1000)
    closed = 100 * 48 * math.prod([0.10, 0.24, 0.5, 0.25]) * 100_000
    assert p.expected_revenue == pytest.approx(closed)
    assert p.p10 == p.p50 == p.p90 == pytest.approx(closed)
    assert p.prob_target == 0.0


def uncertain(count: float, se: float = 0.0, cv: float = 0.0) -> RepFunnel:
    """The seed case with each rate a Beta posterior worth `count` trials."""
    rates = tuple(Rate(step=s, value=v, alpha=v * count, beta=(1 - v) * count)
                  for s, v in [*STEPS, ("qualified", 0.25)])
    return RepFunnel(key="r", rates=rates, deal_size=DealSize(mean=100_000, se=se, cv=cv),
                     opportunity_step="qualified")


def test_with_uncertainty_the_median_stays_near_the_closed_form():
    """Rates from 100,000 trials each, deal size known to 1%, and the luck of 100k+ wins."""
    _, t, _ = seed_case()
    plan = PlanVolumes({"outreach": 1_000_000})
    (p,) = project([uncertain(100_000, se=1000, cv=0.5)], [t], [plan], draws=20_000)
    closed = 1_000_000 * 48 * math.prod([0.10, 0.24, 0.5, 0.25]) * 100_000
    assert p.expected_revenue == pytest.approx(closed)
    assert abs(p.p50 / closed - 1) < 0.02
    assert p.p10 < p.p50 < p.p90


def test_small_samples_spread_the_outcome_and_lower_the_chance_of_target():
    _, t, plan = seed_case()
    (p,) = project([uncertain(200, se=10_000, cv=0.5)], [t], [plan], draws=20_000)
    assert p.attainment == pytest.approx(0.60)
    assert p.p10 < p.p50 < p.p90
    assert p.p90 / p.p10 > 1.5
    assert 0 < p.prob_target < 0.2


def test_same_seed_same_figures_and_reps_are_independent():
    _, t, plan = seed_case()
    reps = [uncertain(200, se=10_000, cv=0.5), uncertain(5000, se=1000, cv=0.5)]
    a = project(reps, [t, t], [plan, plan], seed=3, draws=5000)
    b = project(reps, [t, t], [plan, plan], seed=3, draws=5000)
    assert [x.p50 for x in a] == [x.p50 for x in b]
    assert a[0].p90 - a[0].p10 > a[1].p90 - a[1].p10  # fewer trials, wider spread


def test_a_plan_that_starts_lower_in_the_funnel():
    """'6 conversations a week': the flow starts at the topmost planned step."""
    f, t, _ = seed_case()
    (p,) = project([f], [t], [PlanVolumes({"conversation": 6})], outcome_noise=False)
    assert p.start_step == "conversation"
    assert p.expected_wins == pytest.approx(6 * 0.24 * 0.5 * 0.25 * 48)
    assert p.steps[0].expected_per_week is None


def test_the_benchmark_names_the_weakest_step_when_the_plan_states_no_rates():
    f, t, _ = seed_case()
    team = [0.10, 0.40, 0.5, 0.25]
    (p,) = project([f], [t], [PlanVolumes({"outreach": 100})], benchmarks=[team],
                   outcome_noise=False)
    assert p.binding_step == "conversation"
    (q,) = project([f], [t], [PlanVolumes({"outreach": 100})], outcome_noise=False)
    assert q.binding_step == "outreach"  # no reference: the gap is volume at the top


def test_monte_carlo_arrays_are_reps_by_draws():
    _, t, plan = seed_case()
    reps = [uncertain(1000, se=5000, cv=0.5)] * 5
    out = project(reps, [t] * 5, [plan] * 5, draws=2000)
    assert len(out) == 5
    assert np.allclose([p.expected_revenue for p in out], out[0].expected_revenue)


def with_pipeline(f: RepFunnel, won: float, amounts: list[float], chances: list[float],
                  weeks: float) -> RepFunnel:
    from dataclasses import replace

    pipe = OpenPipeline(as_of=dt.date(2026, 7, 1), won=won, flow_weeks=weeks,
                        amounts=np.array(amounts, dtype=float),
                        chances=np.array(chances, dtype=float))
    return replace(f, pipeline=pipe)


def test_a_pipeline_adds_what_is_won_and_open_and_counts_the_flow_for_its_weeks():
    """100k won; open deals of 200k at 50% and 100k at 20%: 100k + 100k + 20k = 220k held.
    The flow of 0.3 wins a week lands for 4 weeks of the period: 1.2 wins, 120k. Revenue
    340k. The flow must bring the 2.4M - 220k missing: 100 x 2,180k / 120k touches a week."""
    f, t, _ = seed_case()
    f = with_pipeline(f, 100_000, [200_000, 100_000], [0.5, 0.2], weeks=4.0)
    (p,) = project([f], [t], [PlanVolumes({"outreach": 100})], outcome_noise=False)
    assert p.pipeline_expected == pytest.approx(220_000)
    assert p.expected_revenue == pytest.approx(340_000)
    assert p.expected_wins == pytest.approx(1.2 + 0.7)
    assert p.start_volume_needed == pytest.approx(100 * 2_180_000 / 120_000)
    assert p.binding_step == "outreach"  # nothing to compare the rates with
    assert p.rate_needed == pytest.approx(0.10 * 2_180_000 / 120_000)
    assert p.p50 == pytest.approx(340_000)


def test_open_deals_alone_give_the_exact_chance_of_reaching_the_target():
    """No flow; three open deals of 100, 200 and 300 at 50%, 40% and 30%, target 300: reached
    unless the 300 deal is lost and not both others won, so 0.3 + 0.7 x 0.5 x 0.4 = 0.44."""
    f, _, _ = seed_case()
    f = with_pipeline(f, 0.0, [100, 200, 300], [0.5, 0.4, 0.3], weeks=4.0)
    (p,) = project([f], [Target(quota=300, weeks=13)], [PlanVolumes({"outreach": 0})],
                   draws=100_000)
    assert p.prob_target == pytest.approx(0.44, abs=0.01)


def test_open_deals_move_with_the_uncertain_win_rate():
    """The same open deals with a win rate known from 8 deals rather than exact: draws where
    the rep wins less often win fewer of them, so the spread of the revenue widens."""
    f, t, _ = seed_case()
    amounts, chances = [100_000.0] * 20, [0.4] * 20
    exact = with_pipeline(f, 0.0, amounts, chances, weeks=4.0)
    rates = (*exact.rates[:-1], Rate(step="qualified", value=0.25, alpha=2.0, beta=6.0))
    vague = with_pipeline(RepFunnel(key="r", rates=rates, deal_size=exact.deal_size,
                                    opportunity_step="qualified"), 0.0, amounts, chances, 4.0)
    plan = PlanVolumes({"outreach": 0})
    a, b = project([exact, vague], [t, t], [plan, plan], draws=20_000)
    assert a.expected_revenue == b.expected_revenue == pytest.approx(800_000)
    assert b.p90 - b.p10 > 1.3 * (a.p90 - a.p10)


def test_the_audit_table_says_when_no_rate_is_needed_or_none_suffices():
    """Won and open 2.5M against a 2.4M target: no rate needed. With nothing held, a target
    of 20x the plan's 1.44M needs the binding step (conversation -> meeting, 24%) at
    24% x 19.9 (the flow must bring all of it), over 100%: say so, and point at the volume."""
    from rich.console import Console

    from funnelwise.presentation.plan import projection_table

    f, t, plan = seed_case()
    covered = with_pipeline(f, 2_500_000, [], [], weeks=4.0)
    short = Target(quota=20 * 1_440_000, weeks=48)
    audits = [*project([covered], [t], [plan], outcome_noise=False),
              *project([f], [short], [plan], outcome_noise=False)]
    assert audits[0].rate_needed == 0 and audits[1].rate_needed > 1
    console = Console(width=160, record=True)
    console.print(projection_table(audits, "audit"))
    text = console.export_text()
    assert "24.0% → none needed" in text and "24.0% → over 100%" in text
    assert "what is won and open covers the target" in text
    assert "the weekly volume at the top (Or top/wk) can" in text


def test_a_window_ending_later_in_the_week_of_today_has_begun_not_passed():
    """2026-Q2 moved back 88 days runs 2026-01-03 to 2026-04-03; the table shows the Mondays
    (2025-12-29 to 2026-03-30). Read on Thursday 2026-04-02 its last day is still to come."""
    from funnelwise.periods import parse_period
    from funnelwise.plan.reverse import StepNeed
    from funnelwise.presentation.plan import _weeks

    q2 = parse_period("2026-Q2")
    step = StepNeed(step="outreach", rate=0.1, rate_lo=0.1, rate_hi=0.1, total_needed=10,
                    total_lo=10, total_hi=10, weeks=13, lead_days=88,
                    start_week=dt.date(2025, 12, 29), end_week=dt.date(2026, 3, 30))
    assert _weeks(step, q2, dt.date(2026, 4, 2)) == "2025-12-29–2026-03-30 (begun)"
    assert _weeks(step, q2, dt.date(2026, 4, 4)) == "2025-12-29–2026-03-30 (past)"
    assert _weeks(step, q2, dt.date(2026, 1, 3)) == "2025-12-29–2026-03-30"


def test_no_flow_in_time_is_said_and_points_at_no_volume():
    """Nothing held and no week of flow landing in the period: no rate and no volume close
    the 2.4M gap, and the note says so rather than pointing at the top step's volume."""
    from rich.console import Console

    from funnelwise.presentation.plan import projection_table

    f, t, plan = seed_case()
    (p,) = project([with_pipeline(f, 0.0, [], [], weeks=0.0)], [t], [plan],
                   outcome_noise=False)
    assert p.rate_needed == float("inf")
    console = Console(width=160, record=True)
    console.print(projection_table([p], "audit"))
    text = " ".join(console.export_text().split())
    assert "24.0% → no flow in time" in text and "none of the plan's wins" in text
    assert "(Or top/wk) can" not in text


def test_the_note_points_to_a_period_a_plan_can_still_be_drawn_for():
    """As of 2026-06-29 a plan may be drawn up to 2026-Q4 (a quarter past the next one): the
    note of 2026-Q3 points to 2026-Q4, that of 2026-Q4 points nowhere (2027-Q1 would be
    refused), that of a quarter over to the one a plan picks by default."""
    from funnelwise.periods import parse_period
    from funnelwise.presentation.plan import _ahead

    today = dt.date(2026, 6, 29)
    assert _ahead(parse_period("2026-Q3"), today, False) == "`--period 2026-Q4` plans the next one"
    assert _ahead(parse_period("2026-Q4"), today, False) == ""
    assert _ahead(parse_period("2025-Q4"), today, True) == (
        "`--period 2026-Q3` plans one still ahead")
    assert _ahead(parse_period("2026-Q1"), dt.date(2026, 4, 2), True) == (
        "`--period 2026-Q2` plans the next one")
