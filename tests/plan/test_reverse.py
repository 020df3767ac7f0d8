"""Plan backwards: the reverse funnel, its lead time and its periods, checked by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from funnelwise.errors import UserError
from funnelwise.plan import Target, parse_period, plan_reps, required
from funnelwise.plan.explicit import explicit_funnel
from funnelwise.plan.leadtime import lead_days
from funnelwise.schema.funnel import default_funnel

Q3 = parse_period("2026-Q3")


def design_example(**timing: float) -> tuple:
    """DESIGN.md: quota 1.2M, deal 100k, win rate 25%, 1 conversation in 8, 48 weeks."""
    f = explicit_funnel(deal_size=100_000, win_rate=0.25, steps=[("conversation", 0.125)],
                        **timing)
    return f, Target(quota=1_200_000, weeks=48, period=Q3 if timing else None)


def test_design_example_12_wins_48_opportunities_384_conversations_8_a_week():
    f, t = design_example()
    (p,) = plan_reps([f], [t])
    assert p.wins_needed == 12  # 1.2M / 100k
    assert p.opportunities_needed == 48  # 12 / 0.25
    conversations = p.need("conversation")
    assert conversations.total_needed == 384  # 48 / 0.125
    assert conversations.per_week == 8  # 384 / 48
    assert (conversations.total_lo, conversations.total_hi) == (384, 384)  # exact inputs


def test_required_is_vectorised_over_reps():
    rates = np.array([[0.125, 0.25], [0.25, 0.5]])
    got = required(np.array([1.2e6, 1.2e6]), np.array([1e5, 2e5]), rates)
    # rep 2: 6 wins, 12 opportunities, 48 conversations
    np.testing.assert_allclose(got, [[384, 48, 12], [48, 12, 6]])


def test_lead_time_of_a_plain_chain():
    """Cycle 91 days, one week between the conversation and the opportunity."""
    f, t = design_example(cycle_days=91, cycle_late_days=120)
    (p,) = plan_reps([f], [t])
    qualified, conversation = p.need("qualified"), p.need("conversation")
    # 2026-07-01 - 91 days = 2026-04-01, a Wednesday: its week starts Monday 30 March
    assert qualified.start_week == dt.date(2026, 3, 30)
    # 2026-09-30 - 91 days = 2026-07-01: week of Monday 29 June
    assert qualified.end_week == dt.date(2026, 6, 29)
    assert conversation.lead_days == 98
    assert conversation.start_week == dt.date(2026, 3, 23)
    # slow deals: 2026-07-01 - 127 days = 2026-02-24, week of Monday 23 February
    assert conversation.earliest_week == dt.date(2026, 2, 23)
    assert p.need("won").start_week == dt.date(2026, 6, 29)


def test_lead_time_of_the_default_funnel():
    """Outreach and its conversations are one touch; a meeting a week before the opportunity,
    a conversation a week before the meeting; the opportunity one cycle before the close."""
    assert lead_days(default_funnel(), 90, 7) == (104, 104, 97, 90, 0)


@pytest.mark.parametrize(("text", "start", "end", "days"), [
    ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30), 92),
    ("2026-q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31), 90),
    ("2026-07", dt.date(2026, 7, 1), dt.date(2026, 7, 31), 31),
    ("2026-12", dt.date(2026, 12, 1), dt.date(2026, 12, 31), 31),
    ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31), 365),
])
def test_periods(text, start, end, days):
    p = parse_period(text)
    assert (p.start, p.end, p.days) == (start, end, days)
    assert p.weeks == pytest.approx(days / 7)


def test_a_bad_period_says_what_is_expected():
    with pytest.raises(UserError, match=r"'2026-Q5' is not a quarter.*2026-Q3"):
        parse_period("2026-Q5")


def test_rates_must_be_fractions():
    with pytest.raises(UserError, match=r"between 0 and 1.*0\.125"):
        explicit_funnel(deal_size=1, win_rate=0.25, steps=[("conversation", 12.5)])
