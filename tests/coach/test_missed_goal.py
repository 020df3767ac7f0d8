"""activity_goal_missed on hand-made weekly counts: k of n weeks, a change, money at stake."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from funnelwise.coach.config import CoachConfig, Targets
from funnelwise.coach.context import CoachContext
from funnelwise.coach.plans import NEED_COLUMNS, Plans
from funnelwise.coach.rules import missed_goal
from funnelwise.coach.weekly import weekly_frame
from funnelwise.plan.model import DealSize, Rate, RepFunnel
from tests.coach.handmade import crm

WEEK = dt.date(2026, 3, 2)
FIRST = WEEK - dt.timedelta(weeks=33)
USUAL = [100] * 26
SERIES = {
    "slump": [*USUAL, 100, 60, 55, 58, 62, 59, 61, 57],
    "one_bad_week": [*USUAL, 100, 50, 100, 100, 100, 100, 100, 100],
    "steady_under_plan": [100] * 34,
}
TEAM = RepFunnel(key="(all)", deal_size=DealSize(mean=40_000), rates=(
    Rate("outreach", 0.1), Rate("conversation", 0.4), Rate("meeting", 0.5),
    Rate("qualified", 0.25)))


def context(config: CoachConfig = CoachConfig()) -> CoachContext:
    """Three reps, 34 weeks of outreach; goals configured: 100 a week, 150 for one rep."""
    rows = [{"rep_id": rep, "week": FIRST + dt.timedelta(weeks=i), "step": "outreach",
             "count": v} for rep, series in SERIES.items() for i, v in enumerate(series)]
    org = crm(reps=[{"rep_id": r, "name": r.title()} for r in SERIES])
    steps = [s.name for s in org.funnel.steps]
    weekly = weekly_frame(pd.DataFrame(rows), sorted(SERIES), steps, WEEK)
    plans = Plans(funnels={}, team=TEAM, needs=pd.DataFrame(columns=NEED_COLUMNS))
    return CoachContext(
        crm=org, week=WEEK, config=config,
        targets=Targets(per_week=100, reps=(("steady_under_plan", 150.0),)),
        weekly=weekly, plans=plans, latest=WEEK + dt.timedelta(days=4),
        reps=pd.DataFrame({"rep_id": list(SERIES), "name": list(SERIES),
                           "manager": "M", "team": "T"}))


def test_a_slump_is_flagged_with_its_evidence_and_money():
    """slump: goal 100, usual pace 100, last 8 weeks 100 60 55 58 62 59 61 57.

    7 weeks under 90 (10% under the goal); median 59.5, under 80 (20% under the usual pace).
    Short by (0 + 40 + 45 + 42 + 38 + 41 + 39 + 43) / 8 = 36 a week. One outreach is worth
    40,000 x 0.1 x 0.4 x 0.5 x 0.25 = 200, so 13 weeks of the shortfall put
    36 x 200 x 13 = 93,600 at stake.
    """
    flags = missed_goal.run(context())
    assert [f.rep for f in flags] == ["slump"]
    f = flags[0]
    assert f.title == "outreach goal missed in 7 of the last 8 weeks"
    assert f.figures["weeks_missed"] == 7
    assert f.figures["recent_median"] == 59.5
    assert f.figures["shortfall_per_week"] == pytest.approx(36.0)
    assert f.money == pytest.approx(93_600)
    assert "100 a week (configured)" in f.evidence[0]
    assert len(f.questions) == 3


def test_a_goal_never_reached_is_not_a_missed_goal_unless_asked():
    """steady_under_plan does 100 a week against a goal of 150: no change, no flag; without
    `require_change` every week is a miss (8 of 8) and 50 a week is short."""
    loose = dataclasses.replace(CoachConfig(), require_change=False)
    flags = {f.rep: f for f in missed_goal.run(context(loose))}
    assert set(flags) == {"slump", "steady_under_plan"}
    assert flags["steady_under_plan"].figures["weeks_missed"] == 8
    assert flags["steady_under_plan"].figures["shortfall_per_week"] == pytest.approx(50.0)


def test_k_of_n_is_configurable():
    strict = dataclasses.replace(CoachConfig(), missed_weeks=8)
    assert missed_goal.run(context(strict)) == []
