"""The helpers review rules write their evidence with."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from funnelwise.pipeline.rules import day, days, pct, whole


def test_evidence_helpers_read_missing_values_as_unknown():
    assert [day(pd.Timestamp("2026-05-01 13:45")), day(dt.date(2026, 5, 1)),
            day("2026-05-01")] == ["2026-05-01"] * 3
    assert {day(v) for v in (None, pd.NaT, float("nan"), pd.NA)} == {"unknown"}
    assert (days(12.4), days(None), days(pd.NaT)) == ("12 days", "unknown days", "unknown days")
    assert (pct(0.25), pct(float("nan")), whole(7.0), whole(pd.NA)) == ("25%", "–", 7, 0)
