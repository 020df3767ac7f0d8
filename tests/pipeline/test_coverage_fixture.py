"""Coverage on a hand-built fixture (tests/pipeline/fixtures/coverage), as of 2026-07-01, Q3.

Win rates, from deals closed in the year before (every amount 1,000, so value rate = count rate):
  lo won 1 of 5 -> 0.2, required coverage 1 / 0.2 = 5.0
  hi won 2 of 4 -> 0.5, required coverage 1 / 0.5 = 2.0
Quota 1,000 each for 2026-Q3, nothing won yet, so remaining = 1,000.
Pipeline expected to close by 2026-09-30 (overdue deals included, `later` due in October is not):
  lo: lo1 + lo2 + lo3 = 3,000 -> 3.0x < 5.0x: under-covered; projected 3,000 x 0.2 = 600 -> 0.6;
      gap = 1,000 x 5 - 3,000 = 2,000
  hi: hi1..hi4 = 4 x 1,500 = 6,000 -> 6.0x > 2 x 2.0x: over-covered, and hi2, hi3, hi4 have had
      no customer activity since early March (about 120 days > 30): 4,500 of 6,000 = 75% of the
      pipeline is disqualified -> inflated, not praised.
A blanket 3x calls both covered, and misjudges both.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import pytest

from funnelwise.errors import InternalError, UserError
from funnelwise.io.workspace import Workspace
from funnelwise.periods import parse_period
from funnelwise.pipeline.config import ReviewConfig
from funnelwise.pipeline.coverage import CoverageOptions, coverage
from funnelwise.pipeline.review import for_rep, review

AS_OF = dt.date(2026, 7, 1)
Q3 = parse_period("2026-Q3")


def rows(ws, **opts):
    options = CoverageOptions(prior_strength=0.0, **opts)
    result = coverage(ws.crm(), period=Q3, as_of=AS_OF, opts=options)
    return {r["rep"]: r for r in result.records()}


@pytest.fixture(scope="module")
def q3(coverage_path):
    """Q3 as of 2026-07-01 with raw rates and a blanket 3x comparison."""
    with Workspace(coverage_path, create=False) as ws:
        return rows(ws, blanket=3.0)


def test_required_coverage_is_one_over_the_win_rate(q3):
    r = q3
    assert r["hi"]["win_rate"] == pytest.approx(0.5)
    assert r["hi"]["required_coverage"] == pytest.approx(2.0)
    assert r["lo"]["win_rate"] == pytest.approx(0.2)
    assert r["lo"]["required_coverage"] == pytest.approx(5.0)
    assert r["lo"]["required_lo"] < 5.0 < r["lo"]["required_hi"]


def test_a_low_win_rate_rep_at_three_times_is_under_covered(q3):
    lo = q3["lo"]
    assert (lo["remaining_target"], lo["open_pipeline"], lo["deals"]) == (1000, 3000, 3)
    assert lo["coverage"] == pytest.approx(3.0)
    assert lo["status"] == "under-covered"
    assert lo["projected_attainment"] == pytest.approx(0.6)
    assert lo["gap"] == pytest.approx(2000)


def test_a_high_win_rate_rep_at_six_times_with_stale_deals_is_inflated(q3):
    hi = q3["hi"]
    assert hi["open_pipeline"] == 6000 and hi["coverage"] == pytest.approx(6.0)
    assert hi["disqualified_value"] == 4500 and hi["disqualified_share"] == pytest.approx(0.75)
    assert hi["status"] == "inflated"
    assert "(no customer activity 3)" in hi["reason"]
    assert "qualified pipeline covers 1.5x" in hi["reason"]
    assert hi["projected_attainment"] == pytest.approx(3.0)


def test_over_coverage_without_flags_is_only_over_covered(coverage_ws):
    hi = rows(coverage_ws, inflation_share=0.8)["hi"]
    assert hi["status"] == "over-covered"


def test_a_blanket_multiple_misjudges_both(q3):
    r = q3
    assert (r["lo"]["blanket_view"], r["lo"]["blanket_misjudges"]) == ("covered", True)
    assert (r["hi"]["blanket_view"], r["hi"]["blanket_misjudges"]) == ("covered", True)


def test_won_deals_reduce_the_remaining_target(coverage_ws):
    """Q1 (lo's quota 3,000; hi has none) as of 2026-02-18: l1 was won on 02-16, so 2,000
    remain; l3 (closed on 02-18, during the day), l4 and l5 were still open and overdue."""
    result = coverage(coverage_ws.crm(), period=parse_period("2026-Q1"),
                      as_of=dt.date(2026, 2, 18), opts=CoverageOptions(prior_strength=0.0))
    (lo,) = result.records()
    assert (lo["rep"], lo["quota"], lo["won"], lo["remaining_target"]) == ("lo", 3000, 1000, 2000)
    assert (lo["open_pipeline"], lo["deals"]) == (3000, 3)


def test_a_period_without_quota_is_a_user_error(coverage_ws):
    with pytest.raises(UserError, match="no quota overlaps 2025-Q4"):
        coverage(coverage_ws.crm(), period=parse_period("2025-Q4"), as_of=AS_OF)


def test_by_team_adds_the_reps_up(coverage_ws):
    result = coverage(coverage_ws.crm(), period=Q3, as_of=AS_OF, by="team",
                      opts=CoverageOptions(prior_strength=0.0))
    (north,) = result.records()
    assert north["team"] == "North"
    assert (north["quota"], north["open_pipeline"]) == (2000, 9000)
    assert north["win_rate"] == pytest.approx(3 / 9)


def test_a_review_already_made_gives_the_same_coverage(coverage_ws):
    """The dashboard hands coverage the review it shows: same figures, hi still inflated by
    the three silent deals that review flagged."""
    crm = coverage_ws.crm()
    options = CoverageOptions(prior_strength=0.0, blanket=3.0)
    alone = coverage(crm, period=Q3, as_of=AS_OF, opts=options)
    rv = review(crm, as_of=AS_OF)
    given = coverage(crm, period=Q3, opts=options, reviewed=rv)
    pd.testing.assert_frame_equal(given.frame, alone.frame)
    assert given.frame.set_index("rep").loc["hi", "disqualified_value"] == 4500
    assert given.notes == alone.notes


def test_the_review_handed_over_is_the_one_read(coverage_ws):
    """Without its flags, the same review leaves hi's pipeline all qualified: over-covered,
    not inflated. Coverage read the review it was given, not one of its own."""
    crm = coverage_ws.crm()
    rv = review(crm, as_of=AS_OF)
    clean = replace(rv, flags=rv.flags.iloc[:0], deals=rv.deals.assign(qualified=True))
    hi = coverage(crm, period=Q3, opts=CoverageOptions(prior_strength=0.0),
                  reviewed=clean).frame.set_index("rep").loc["hi"]
    assert (hi["disqualified_value"], hi["status"]) == (0, "over-covered")


def test_a_review_of_another_day_one_rep_or_other_thresholds_is_refused(coverage_ws):
    crm = coverage_ws.crm()
    with pytest.raises(InternalError, match="coverage as of 2026-07-01 given the review of "
                                            "2026-06-01"):
        coverage(crm, period=Q3, as_of=AS_OF, reviewed=review(crm, as_of=dt.date(2026, 6, 1)))
    rv = review(crm, as_of=AS_OF)
    with pytest.raises(InternalError, match="narrowed to hi"):
        coverage(crm, period=Q3, reviewed=for_rep(rv, "hi"))
    stricter = ReviewConfig(no_activity_days=10)
    with pytest.raises(InternalError, match="other thresholds"):
        coverage(crm, period=Q3, config=stricter, reviewed=rv)
