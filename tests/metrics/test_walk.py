"""The walk over past days: every origin in order, seen as of its day, never after it."""

from __future__ import annotations

import dataclasses
import datetime as dt

import ibis
import pandas as pd
from pandas.testing import assert_series_equal

from funnelwise.io.workspace import Workspace
from funnelwise.metrics.asof import AsOf
from funnelwise.metrics.span import data_span
from funnelwise.metrics.walk import walk
from funnelwise.pipeline.calibration import _outcomes, scored_deals

FEB_15, JAN_11 = dt.date(2026, 2, 15), dt.date(2026, 1, 11)


def test_every_origin_in_the_order_given_with_the_data_s_today(tiny_ws):
    """tests/fixtures/tiny: the last record is o6's close on 2026-04-01, so today is 04-02."""
    today = dt.date(2026, 4, 2)
    steps = walk(tiny_ws.crm(), [FEB_15, JAN_11], lambda o: (o.day, o.today, o.asof, o.seen))
    assert steps == [(FEB_15, today, AsOf(FEB_15, today), None),
                     (JAN_11, today, AsOf(JAN_11, today), None)]


def _latest(crm) -> dict[str, object]:
    """The latest instant each dated table of `crm` holds (None when it is empty)."""
    o, a, h = crm.opportunities, crm.activities, crm.stage_history
    found = {"created": o.created_at.max(), "closed": o.closed_at.max(),
             "activity": a.occurred_at.max(), "stage entered": h.entered_at.max()}
    return {k: v.execute() for k, v in found.items()}


def test_a_step_sees_nothing_dated_on_or_after_its_day(tiny_ws):
    """As of 01-11 only o6 (01-01), o1 (01-05) and o2 (01-10) exist, all open; as of 02-15
    o1 and o4 have closed (02-04, 02-11) and o7's Proposal (03-01) is not yet entered."""
    seen = walk(tiny_ws.crm(), [JAN_11, FEB_15], lambda o: (o.day, _latest(o.crm),
                                                           o.crm.opportunities.to_pandas()))
    for day, latest, _ in seen:
        start = pd.Timestamp(day)
        assert all(t is None or pd.isna(t) or t < start for t in latest.values()), latest
    (_, _, jan), (_, _, feb) = seen
    assert sorted(jan.opportunity_id) == ["o1", "o2", "o6"] and set(jan.status) == {"open"}
    assert sorted(feb.loc[feb.status != "open", "opportunity_id"]) == ["o1", "o4"]


def test_look_builds_every_view_at_once_and_each_origin_gets_its_own(tiny_ws):
    asked = []

    def look(crm, days, today):
        asked.append((list(days), today))
        return [f"view of {d}" for d in days]

    seen = walk(tiny_ws.crm(), [JAN_11, FEB_15], lambda o: o.seen, look=look)
    assert asked == [([JAN_11, FEB_15], data_span(tiny_ws.crm()).today)]
    assert seen == [f"view of {JAN_11}", f"view of {FEB_15}"]


def test_a_rewritten_future_changes_the_answers_not_the_probabilities(simulated):
    """Every deal closed on or after 2026-01-01 has its result flipped (won <-> lost). The
    calibration's probabilities for the deals open on 2025-12-01 stay exactly as they were;
    their outcomes, the answer key read from today's data, change."""
    cut = ibis.timestamp(dt.datetime(2026, 1, 1))
    with Workspace(simulated.path, create=False) as ws:
        crm = ws.crm()
        o = crm.opportunities
        later = o.closed_at >= cut
        flipped = o.mutate(status=ibis.cases((later & (o.status == "won"), "lost"),
                                             (later & (o.status == "lost"), "won"),
                                             else_=o.status))
        changed = dataclasses.replace(crm, opportunities=flipped)
        before, after = (walk(c, [dt.date(2025, 12, 1)],
                              lambda origin, c=c: scored_deals(origin, _outcomes(c)))[0]
                         for c in (crm, changed))
    assert len(before) > 500
    assert_series_equal(before["p"], after["p"])
    assert (before["y"] != after["y"]).sum() > 100
