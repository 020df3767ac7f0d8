"""Hand-checked figures on tests/fixtures/tiny (8 deals, 3 reps). Arithmetic in comments."""

from __future__ import annotations

import pytest

from funnelwise.metrics.cycle import cycle
from funnelwise.metrics.funnel import funnel
from funnelwise.metrics.winrates import winrates
from funnelwise.schema.funnel import parse_funnel

STAGE_FUNNEL = """
name = "stages"
stages = ["Qualified", "Proposal", "Negotiation"]
closed_stages = ["Closed Won", "Closed Lost"]
[[steps]]
name = "qualified"
kind = "stage"
stage = "Qualified"
[[steps]]
name = "proposal"
kind = "stage"
stage = "Proposal"
[[steps]]
name = "negotiation"
kind = "stage"
stage = "Negotiation"
[[steps]]
name = "won"
kind = "status"
status = "won"
"""


def rows_by(result, *cols):
    return {tuple(r[c] for c in cols): r for r in result.records()}


def test_win_rates_by_count_and_value(tiny_ws):
    rows = rows_by(winrates(tiny_ws.crm(), by="rep"), "key")
    # ana: won o1 o2 o4 (100+200+50), lost o3 (300)
    assert (rows[("ana",)]["won"], rows[("ana",)]["lost"]) == (3, 1)
    assert rows[("ana",)]["win_rate"] == pytest.approx(0.75)
    assert rows[("ana",)]["value_win_rate"] == pytest.approx(350 / 650)
    # ben: won o6 (400), lost o5 (100); cy: lost o8, o7 still open (not counted)
    assert rows[("ben",)]["value_win_rate"] == pytest.approx(0.8)
    assert (rows[("cy",)]["won"], rows[("cy",)]["lost"]) == (0, 1)


def test_three_of_four_rep_is_pulled_toward_the_team(tiny_ws):
    """ana won 3 of 4. With a prior worth m = 10 deals at every level:

    organisation: won 4 of 7 closed, (4 + 1/2) / (7 + 1) = 0.5625
    team North (ana + ben, 4 of 6), toward it: (4 + 10 * 0.5625) / (6 + 10) = 0.6015625
    ana, toward North: (3 + 10 * 0.6015625) / (4 + 10) = 0.6439732
    so the estimate moves 10/14 = 71% of the way from 0.75 to her team's rate.
    """
    rows = rows_by(winrates(tiny_ws.crm(), by="rep", prior_strength=10), "key")
    ana = rows[("ana",)]
    assert ana["parent"] == "North"
    assert ana["parent_rate"] == pytest.approx(0.6015625)
    assert ana["win_rate_est"] == pytest.approx(0.6439732, abs=1e-7)
    pulled = (ana["win_rate"] - ana["win_rate_est"]) / (ana["win_rate"] - ana["parent_rate"])
    assert pulled == pytest.approx(10 / 14)
    assert ana["win_rate_lo"] < ana["win_rate_est"] < ana["win_rate_hi"]
    # cy, team South (0 of 1): (0 + 10 * 0.5625) / 11 = 0.511364, then (0 + 10 * that) / 11
    assert rows[("cy",)]["win_rate_est"] == pytest.approx(10 * (5.625 / 11) / 11)


def test_default_funnel_counts_and_rates_for_one_rep(tiny_ws):
    rows = rows_by(funnel(tiny_ws.crm(), by="rep"), "key", "step")
    ana = {step: rows[("ana", step)] for step in
           ("outreach", "conversation", "meeting", "qualified", "won")}
    assert [ana[s]["count"] for s in ana] == [10, 3, 1, 4, 3]
    assert ana["outreach"]["rate"] == pytest.approx(3 / 10)  # a01 a03 a07 of 10 touches
    assert ana["conversation"]["rate"] == pytest.approx(1 / 3)  # a11 held; a12 was a no-show
    assert ana["qualified"]["method"] == "cohort"
    assert (ana["qualified"]["advanced"], ana["qualified"]["dropped"]) == (3, 1)
    assert ana["qualified"]["rate"] == pytest.approx(0.75)
    assert ana["won"]["rate"] is None


def test_cohort_rates_leave_open_deals_out(tiny_ws):
    crm = tiny_ws.crm(parse_funnel(STAGE_FUNNEL))
    rows = rows_by(funnel(crm, by="all"), "step")
    # reached Proposal: 4 won + o3 (history) + o7 (open, current stage); o5, o8 lost before it
    assert rows[("qualified",)]["count"] == 8
    assert (rows[("qualified",)]["advanced"], rows[("qualified",)]["dropped"]) == (6, 2)
    assert rows[("qualified",)]["rate"] == pytest.approx(6 / 8)
    # of 6 at Proposal: 4 went on (won), o3 lost there, o7 still open -> 4 / 5, not 4 / 6
    assert (rows[("proposal",)]["advanced"], rows[("proposal",)]["dropped"],
            rows[("proposal",)]["open"]) == (4, 1, 1)
    assert rows[("proposal",)]["rate"] == pytest.approx(0.8)
    assert rows[("negotiation",)]["rate"] == pytest.approx(1.0)


def test_cycle_percentiles_are_linear(tiny_ws):
    rows = rows_by(cycle(tiny_ws.crm(), by="rep"), "key")
    ana = rows[("ana",)]  # won in 30, 60 and 10 days
    assert ana["won"] == 3
    assert ana["median_days"] == pytest.approx(30)
    assert ana["p25_days"] == pytest.approx(20)  # 10 + 0.5 * (30 - 10)
    assert ana["p75_days"] == pytest.approx(45)
    assert ana["p90_days"] == pytest.approx(54)  # 30 + 0.8 * (60 - 30)
    assert rows[("ben",)]["median_days"] == pytest.approx(90)  # Jan 1 -> Apr 1


def test_window_selects_by_close_date(tiny_ws):
    import datetime as dt

    result = winrates(tiny_ws.crm(), by="all", since=dt.date(2026, 3, 1),
                      until=dt.date(2026, 3, 31))
    # closed in March: o2 won (Mar 11), o5 lost (Mar 1), o8 lost (Mar 20)
    row = result.records()[0]
    assert (row["won"], row["lost"]) == (1, 2)
