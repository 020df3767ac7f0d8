"""The review on tests/fixtures/tiny (8 deals, 3 reps), checked by hand.

Closed deals and their days from creation to close (none of the won ones has stage history, so
each spent its whole cycle in the first stage, Qualified):
  o1 won 30, o2 won 60, o4 won 10, o6 won 90; o3 lost (Qualified 0-20, Proposal 20-39 days),
  o5 lost (Qualified 0-40), o8 lost 36 (Qualified 0-36).
Won cycles sorted: 10, 30, 60, 90. Linear percentiles: p25 = 10 + 0.75 x 20 = 25,
p50 = 45, p75 = 60 + 0.25 x 30 = 67.5, p90 = 60 + 0.7 x 30 = 81. Days won deals spent in
Qualified are the same four numbers, so its 90th percentile is 81 days too.
"""

from __future__ import annotations

import datetime as dt

import pytest

from funnelwise.metrics.asof import as_of
from funnelwise.pipeline.history import stage_thresholds, won_cycle
from funnelwise.pipeline.landmarks import landmark_days
from funnelwise.pipeline.probability import fit
from funnelwise.pipeline.review import for_rep, review
from funnelwise.pipeline.snapshot import open_deals

MAY_3 = dt.date(2026, 5, 3)


def test_snapshot_on_february_15(tiny_ws):
    """o1 (closed 02-04) and o4 (02-11) had closed; o2, o3, o5, o6, o7, o8 were open. o3 had
    entered Proposal on 02-01 (14 days before); the others were in Qualified, from their history
    or, without one, since creation (o2: created 01-10, 36 days)."""
    d = open_deals(tiny_ws.crm(), as_of(tiny_ws.crm(), dt.date(2026, 2, 15))).to_pandas()
    d = d.set_index("opportunity_id")
    assert sorted(d.index) == ["o2", "o3", "o5", "o6", "o7", "o8"]
    assert d.loc["o3", "stage"] == "Proposal" and d.loc["o3", "stage_days"] == 14
    assert set(d.drop(index="o3")["stage"]) == {"Qualified"}
    assert d.loc["o2", "age_days"] == 36 and d.loc["o2", "stage_days"] == 36


def test_stage_threshold_and_won_cycle(tiny_ws):
    snap = as_of(tiny_ws.crm(), MAY_3)
    th = stage_thresholds(tiny_ws.crm(), snap, 0.9).to_pandas().set_index("stage")
    assert list(th.index) == ["Qualified"]
    assert (th.loc["Qualified", "won_deals"], th.loc["Qualified", "threshold_days"]) == (4, 81)
    cyc = won_cycle(tiny_ws.crm(), snap).to_pandas().iloc[0]
    assert [cyc[c] for c in ("p25", "p50", "p75", "p90")] == [25, 45, 67.5, 81]


def test_landmarks_are_whole_weeks_from_the_first_close():
    """The first close is o1's on 02-04 (a Wednesday): the grid's Mondays from 02-09. Weekly up
    to 05-03 would be 12 days, over 8; every 14 days (Mondays 0 mod 14 from 2000-01-03) gives 6.
    Up to 03-03 weekly gives 4. With two years of closes: 182 days back (2025-11-02), every 28
    days gives 7."""
    monday = dt.date(2026, 2, 9)
    assert landmark_days(MAY_3, dt.date(2026, 2, 4)) == tuple(
        monday + dt.timedelta(days=14 * i) for i in range(6))
    assert landmark_days(dt.date(2026, 3, 3), dt.date(2026, 2, 4)) == tuple(
        monday + dt.timedelta(days=7 * i) for i in range(4))
    assert landmark_days(MAY_3, dt.date(2024, 2, 4)) == tuple(
        dt.date(2025, 11, 3) + dt.timedelta(days=28 * i) for i in range(7))
    assert landmark_days(MAY_3, None) == ()


def test_too_few_outcomes_leave_the_team_rate(tiny_ws):
    """7 closed deals before 05-03 (4 won), fewer than 10 of each kind: no model is fitted and
    every deal gets the share won, 4 / 7."""
    model = fit(tiny_ws.crm(), as_of(tiny_ws.crm(), MAY_3))
    assert model.fitted_ is None and model.p_all == pytest.approx(4 / 7)
    assert model.landmarks == landmark_days(MAY_3, dt.date(2026, 2, 4))


def test_review_on_may_3(tiny_ws):
    """Only o7 (cy, 500) is open: created 02-10 (82 days), in Proposal since 03-01 (63 days),
    expected to close 05-01. Flags: older than 81 days (warning), close date passed 2 days ago
    (warning); 7 past deals are too few to learn from, so its probability is the share won of
    all past deals, 4 of 7: realistic value 500 x 4 / 7. Qualified: no disqualifying flag. Its
    amount is 500 / 187.5 = 2.7x the organisation's average win (cy has none), under 3x."""
    rv = review(tiny_ws.crm(), as_of=MAY_3)
    (deal,) = rv.deals.to_dict(orient="records")
    assert (deal["opportunity_id"], deal["stage"], deal["age_days"], deal["stage_days"]) == (
        "o7", "Proposal", 82, 63)
    assert {f["rule"] for f in deal["flags"]} == {"older_than_won_cycle", "close_date_passed"}
    assert deal["qualified"]
    assert deal["probability"] == pytest.approx(4 / 7)
    total = rv.totals.set_index("level").loc["all"]
    assert (total["raw_value"], total["qualified_value"]) == (500, 500)
    assert total["realistic_value"] == pytest.approx(500 * 4 / 7)
    skipped = " ".join(rv.notes)
    assert "No customer activity (no_customer_activity) not checked" in skipped
    assert "Missing customer outcomes (missing_outcomes) not checked" in skipped
    evidence = {f["rule"]: f["evidence"] for f in deal["flags"]}
    assert evidence["older_than_won_cycle"] == (
        "82 days old; 90.0% of the 4 won deals closed within 81 days of creation")
    labels = {f["rule"]: f["rule_label"] for f in deal["flags"]}
    assert labels == {"older_than_won_cycle": "Older than won deals get",
                      "close_date_passed": "Close date passed"}
    assert evidence["close_date_passed"] == (
        "expected close 2026-05-01 passed 2 days before the review date")


def test_one_rep_only(tiny_ws):
    rv = for_rep(review(tiny_ws.crm(), as_of=dt.date(2026, 2, 15)), "ana")
    assert sorted(rv.deals["opportunity_id"]) == ["o2", "o3"]
    assert list(zip(rv.totals["level"], rv.totals["key"], strict=True)) == [
        ("rep", "ana"), ("team", "North")]


def test_calibration_says_how_many_scored_deals_had_no_stage_history(tiny_ws):
    """As of 2026-02-15, o2, o6 and o8 have no stage history (placed at Qualified); with o3,
    o5 and o7 open then, 5 of the 6 closed by the end of the data: 3 of those 5 are bare."""
    import datetime as dt

    from funnelwise.pipeline.calibration import calibrate
    from funnelwise.presentation.pipeline import calibration_payload

    c = calibrate(tiny_ws.crm(), [dt.date(2026, 2, 15)])
    doc = calibration_payload(c)
    assert (doc["resolved_deals"], doc["without_history"]) == (5, 3)
    assert doc["notes"] == ["3 of the 5 resolved (deal, date) pairs had no stage history "
                            "before their date: each was scored at the funnel's first open "
                            "stage"]
