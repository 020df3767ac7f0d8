"""Effectiveness on hand-made CRMs: attribution, counts and yields checked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from funnelwise.errors import UserError
from funnelwise.metrics.effectiveness import Attribution, effectiveness
from tests.coach.handmade import crm

DAY0 = dt.datetime(2026, 1, 5, 9)
REPS = [{"rep_id": "many", "team": "T"}, {"rep_id": "few", "team": "T"}]


def emails(rep: str, count: int, hits: int) -> tuple[list[dict], list[dict]]:
    """`count` emails on one lead each, of which the first `hits` get an outcome a day later."""
    acts, outs = [], []
    for i in range(count):
        when = DAY0 + dt.timedelta(minutes=i)
        acts.append({"activity_id": f"{rep}-a{i}", "rep_id": rep, "type": "email",
                     "occurred_at": when, "lead_id": f"{rep}-l{i}", "output": "no_response"})
        if i < hits:
            outs.append({"outcome_id": f"{rep}-o{i}", "kind": "goals_agreed", "rep_id": rep,
                         "achieved_at": when + dt.timedelta(days=1), "lead_id": f"{rep}-l{i}"})
    return acts, outs


def rows(result, key: str, kind: str) -> dict:
    return next(r for r in result.records() if r["key"] == key and r["type"] == kind)


def test_fewer_better_emails_rank_higher_on_yield():
    """The seed's arithmetic: 1,000 emails at 1% give 10 outcomes, 100 emails at 15% give 15.

    many: 10 / 1,000 = 1% yield; few: 15 / 100 = 15%. Both are shrunk toward their team's
    pooled 25 / 1,100 = 2.3%, the small sample more; `few` still ranks first on yield.
    """
    a1, o1 = emails("many", 1000, 10)
    a2, o2 = emails("few", 100, 15)
    result = effectiveness(crm(reps=REPS, activities=a1 + a2, outcomes=o1 + o2), by="rep")
    many, few = rows(result, "many", "email"), rows(result, "few", "email")
    assert (many["volume"], many["outcomes"], many["yield"]) == (1000, 10, pytest.approx(0.01))
    assert (few["volume"], few["outcomes"], few["yield"]) == (100, 15, pytest.approx(0.15))
    assert few["outcomes"] > many["outcomes"]
    assert (few["rank"], many["rank"]) == (1, 2)
    assert many["yield_est"] < few["yield_est"] < 0.15
    assert few["yield_lo"] < few["yield_est"] < few["yield_hi"]


def test_outcome_goes_to_the_closest_preceding_activity_of_the_rep():
    """Lead L1: ana calls on day 0 (connected), emails on day 2, ben (another rep) emails on
    day 3, ana meets on day 5, then goals are agreed on day 4 by ana: the email of day 2 is
    the closest preceding activity of ana on L1 (ben's is not hers, the meeting is later).
    A second outcome on opportunity O1 (no lead, no rep: its owner ana) on day 40 is credited
    to the meeting of day 5 only if within the window: 35 days > 30, so it is not credited.
    """
    acts = [
        {"activity_id": "a1", "rep_id": "ana", "type": "call", "occurred_at": DAY0,
         "lead_id": "L1", "output": "connected"},
        {"activity_id": "a2", "rep_id": "ana", "type": "email",
         "occurred_at": DAY0 + dt.timedelta(days=2), "lead_id": "L1", "output": "replied"},
        {"activity_id": "a3", "rep_id": "ben", "type": "email",
         "occurred_at": DAY0 + dt.timedelta(days=3), "lead_id": "L1", "output": "replied"},
        {"activity_id": "a4", "rep_id": "ana", "type": "meeting",
         "occurred_at": DAY0 + dt.timedelta(days=5), "lead_id": "L1", "opportunity_id": "O1",
         "output": "held"},
    ]
    outs = [
        {"outcome_id": "o1", "kind": "goals_agreed", "rep_id": "ana",
         "achieved_at": DAY0 + dt.timedelta(days=4), "lead_id": "L1"},
        {"outcome_id": "o2", "kind": "sponsor_engaged",
         "achieved_at": DAY0 + dt.timedelta(days=40), "opportunity_id": "O1"},
    ]
    opps = [{"opportunity_id": "O1", "owner_rep_id": "ana", "status": "open",
             "created_at": DAY0 + dt.timedelta(days=6)}]
    reps = [{"rep_id": "ana", "team": "T"}, {"rep_id": "ben", "team": "T"}]
    org = crm(reps=reps, activities=acts, outcomes=outs, opportunities=opps)
    result = effectiveness(org, by="rep")
    assert rows(result, "ana", "email")["outcomes"] == 1
    assert rows(result, "ana", "call")["outcomes"] == 0
    assert rows(result, "ana", "meeting")["outcomes"] == 0
    assert rows(result, "ben", "email")["outcomes"] == 0
    assert "1 of 2 outcomes credited" in result.notes[0]
    longer = effectiveness(org, by="rep", attribution=Attribution(window_days=40))
    assert rows(longer, "ana", "meeting")["outcomes"] == 1
    assert rows(longer, "ana", "meeting")["output_yield"] == pytest.approx(1.0)


def test_outcome_kinds_and_types_filter():
    a1, o1 = emails("many", 20, 4)
    org = crm(reps=REPS, activities=a1, outcomes=o1)
    only = effectiveness(org, by="all", attribution=Attribution(kinds=("decision_plan",)))
    assert rows(only, "(all)", "email")["outcomes"] == 0
    with pytest.raises(UserError, match="did you mean 'email'"):
        effectiveness(org, by="all", types=("emial",))
