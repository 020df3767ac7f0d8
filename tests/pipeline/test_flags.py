"""Small pieces of the review's flag handling."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from funnelwise.pipeline.flags import records
from funnelwise.pipeline.rules import day, days, pct, whole


def test_records_are_the_rows_as_pandas_gives_them():
    frame = pd.DataFrame({
        "opportunity_id": ["o1", "o2", None],
        "value": [1.5, float("nan"), 3.0],
        "when": pd.to_datetime(["2026-01-02 10:00", None, "2026-03-04 00:00"]),
        "n": pd.array([1, None, 3], dtype="Int64"),
        "flag": [True, False, True],
    })
    got, want = records(frame), frame.to_dict(orient="records")
    assert len(got) == 3
    for g, w in zip(got, want, strict=True):
        assert list(g) == list(w)
        for key in w:
            assert (pd.isna(g[key]) and pd.isna(w[key])) or g[key] == w[key], key
    assert records(frame.iloc[:0]) == []


def test_evidence_helpers_read_missing_values_as_unknown():
    assert [day(pd.Timestamp("2026-05-01 13:45")), day(dt.date(2026, 5, 1)),
            day("2026-05-01")] == ["2026-05-01"] * 3
    assert {day(v) for v in (None, pd.NaT, float("nan"), pd.NA)} == {"unknown"}
    assert (days(12.4), days(None), days(pd.NaT)) == ("12 days", "unknown days", "unknown days")
    assert (pct(0.25), pct(float("nan")), whole(7.0), whole(pd.NA)) == ("25%", "–", 7, 0)
