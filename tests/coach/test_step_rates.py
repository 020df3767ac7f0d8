"""What a step's rate divides (`coach.weekly.step_rate`), on a CRM small enough to check by hand.

Rep R1 holds meetings on five leads in the week of 5 Jan 2026 (one lead twice, one through
its deal) and has three deals created without a lead in the week of 29 Dec 2025, a burst its
weekly counts read as 3 qualified against 0 meetings. Rep R2 holds one meeting a week for
nine weeks and one of its leads becomes a deal: its counts are nested.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from funnelwise.coach.weekly import (
    lead_counts,
    lead_lags,
    rate_notes,
    step_rate,
    usual_lag,
    weekly_counts,
    weekly_frame,
)
from tests.coach.handmade import crm

FIRST = dt.date(2025, 12, 29)
LAST = FIRST + dt.timedelta(weeks=9)
ASOF = dt.datetime(2026, 3, 9)


def meeting(i: int, rep: str, at: str, lead: str | None, opp: str | None = None) -> dict:
    return {"activity_id": f"A{i:02}", "rep_id": rep, "type": "meeting", "output": "held",
            "occurred_at": at, "lead_id": lead, "opportunity_id": opp}


def deal(oid: str, rep: str, at: str, lead: str | None) -> dict:
    return {"opportunity_id": oid, "owner_rep_id": rep, "lead_id": lead, "created_at": at,
            "stage": "Qualified", "status": "open"}


ORG = crm(
    reps=[{"rep_id": "R1"}, {"rep_id": "R2"}],
    activities=[
        meeting(1, "R1", "2026-01-05 10:00", "L1"),  # deal two days later: credited
        meeting(2, "R1", "2026-01-05 11:00", "L2"),  # the same lead met again on the 8th:
        meeting(3, "R1", "2026-01-08 09:00", "L2"),  # its deal goes to that later meeting
        meeting(4, "R1", "2026-01-06 10:00", "L3"),  # deal 54 days later: past the window
        meeting(5, "R1", "2026-01-05 15:00", "L4"),  # its deal came before: no credit
        meeting(6, "R1", "2026-01-06 12:00", None, "O6"),  # on a deal whose lead is L6
        *(meeting(10 + w, "R2", f"{FIRST + dt.timedelta(weeks=w, days=1)} 10:00", f"M{w}")
          for w in range(9)),
    ],
    opportunities=[
        *(deal(f"B{i}", "R1", "2025-12-31 10:00", None) for i in range(3)),
        deal("O1", "R1", "2026-01-07 10:00", "L1"),
        deal("O2", "R1", "2026-01-09 10:00", "L2"),
        deal("O3", "R1", "2026-03-01 10:00", "L3"),
        deal("O4", "R1", "2026-01-02 10:00", "L4"),
        deal("O6", "R1", "2026-01-07 12:00", "L6"),
        deal("P1", "R2", "2025-12-31 12:00", "M0"),
    ],
)
STEP, NXT = ORG.funnel.step("meeting"), ORG.funnel.step("qualified")


def test_each_deal_is_credited_to_the_latest_meeting_of_its_lead():
    """Credited: L1 (2 days), L2's second meeting (1 day), L6 through its deal (1 day),
    R2's first meeting (1 day + 2 hours); the 95% lag rounds up to 2 days."""
    lags = lead_lags(ORG, STEP, NXT, days=30)
    got = lags.to_pandas().sort_values("at")
    days = (got["lag"] / 86_400).round(3).tolist()
    r1 = got[got["rep_id"] == "R1"].set_index("at")["lag"] / 86_400
    assert r1[pd.Timestamp("2026-01-05 10:00")] == 2
    assert r1[pd.Timestamp("2026-01-08 09:00")] == 1 + 1 / 24
    assert r1[pd.Timestamp("2026-01-06 12:00")] == 1
    assert r1.isna().sum() == 3  # L2's first meeting, L3, L4
    assert sum(d == d for d in days) == 4
    assert usual_lag(lags, most=30) == 2


def test_counts_follow_the_same_leads_and_leave_out_the_recent():
    lags = lead_lags(ORG, STEP, NXT, days=30)
    got = lead_counts(lags, days=2, until=dt.datetime(2026, 1, 7)).to_pandas()
    r1 = got[got["rep_id"] == "R1"].iloc[0]
    assert (pd.Timestamp(r1["week"]).date(), r1["n"], r1["k"]) == (dt.date(2026, 1, 5), 5, 2)


def test_only_the_rep_whose_counts_are_not_nested_follows_leads():
    """R1's weekly counts over the 10 weeks hold all 8 of its deals against its 6 meetings,
    most up to τ = 9 (the week of 23 Feb, when O3 was created): its rate follows leads, 3 of
    its 6 meetings credited within 2 days. R2's 1 deal of 9 meetings are its weekly counts."""
    long = weekly_counts(ORG).to_pandas()
    weekly = weekly_frame(long, ["R1", "R2"], [s.name for s in ORG.funnel.steps], LAST, FIRST)
    rate = step_rate(ORG, weekly, STEP, NXT, recent=1, days=30, asof=ASOF)
    assert rate.over.found.tolist() == [True, False]
    assert rate.leads.tolist() == [True, False] and rate.nested.all()
    assert (rate.n.loc["R1"].sum(), rate.k.loc["R1"].sum()) == (6, 3)
    assert (rate.n.loc["R2"].sum(), rate.k.loc["R2"].sum()) == (9, 1)
    assert rate.days == 2 and rate.known_until == ASOF - dt.timedelta(days=2)
    note, = rate_notes({"meeting": rate})
    assert note == (
        "meeting → qualified counted by week is not a conversion rate for 1 of 2 reps: more "
        "reached qualified than meeting over weeks the rules compare (most: R1, 8 at "
        "qualified against 6 at meeting in the weeks of 2025-12-29 to 2026-02-23); for them "
        "it follows the same leads: of the records at meeting, those credited with one at "
        "qualified within 2 days")
