"""pipeline_gap on hand-made weekly counts and a hand-written plan need."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from funnelwise.coach.config import CoachConfig, Targets
from funnelwise.coach.context import CoachContext
from funnelwise.coach.plans import NEED_COLUMNS, Plans
from funnelwise.coach.rules import pipeline_gap
from funnelwise.coach.weekly import weekly_frame
from funnelwise.plan.model import DealSize, Rate, RepFunnel
from tests.coach.handmade import crm

WEEK = dt.date(2026, 3, 2)
START = WEEK - dt.timedelta(weeks=9)
TEAM = RepFunnel(key="(all)", deal_size=DealSize(mean=40_000), rates=(
    Rate("outreach", 0.1), Rate("conversation", 0.4), Rate("meeting", 0.5),
    Rate("qualified", 0.25)))


def context(created: dict[str, int]) -> CoachContext:
    """Each rep created `created[rep]` qualified opportunities, one a week from START.

    The plan: 2 qualified a week for 2026-Q3, to be created from START (10 weeks ago,
    the coached week included) to 12 weeks after the coached week.
    """
    rows = [{"rep_id": rep, "week": START + dt.timedelta(weeks=i % 10), "step": "qualified",
             "count": 1} for rep, n in created.items() for i in range(n)]
    org = crm(reps=[{"rep_id": r} for r in created])
    steps = [s.name for s in org.funnel.steps]
    weekly = weekly_frame(pd.DataFrame(rows), sorted(created), steps, WEEK)
    needs = pd.DataFrame([{"rep": r, "period": "2026-Q3", "step": s, "per_week": w,
                           "start_week": START, "end_week": WEEK + dt.timedelta(weeks=12)}
                          for r in created for s, w in (("outreach", 400.0),
                                                        ("qualified", 2.0))],
                         columns=NEED_COLUMNS)
    return CoachContext(
        crm=org, week=WEEK, config=CoachConfig(), targets=Targets(), weekly=weekly,
        plans=Plans(funnels={}, team=TEAM, needs=needs), latest=WEEK,
        reps=pd.DataFrame({"rep_id": list(created), "name": list(created),
                           "manager": "M", "team": "T"}))


def test_a_quarter_short_of_pipeline_is_named_with_its_money():
    """10 weeks at 2 a week need 20. `short` created 5: P(rate < 1.6) is near 1, 15 are
    missing, each worth 40,000 x 0.25 = 10,000: 150,000 at stake. `enough` created 20."""
    flags = pipeline_gap.run(context({"short": 5, "enough": 20}))
    assert [f.rep for f in flags] == ["short"]
    f = flags[0]
    assert f.title == "2026-Q3 at risk: 5 qualified created of 20 needed"
    assert (f.figures["weeks"], f.figures["needed"], f.figures["created"]) == (10, 20, 5)
    assert f.money == pytest.approx(150_000)
    assert f.confidence > 0.99
