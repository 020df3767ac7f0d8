"""Frame helpers."""

from __future__ import annotations

import pandas as pd

from funnelwise.frames import rows


def test_rows_are_the_records_pandas_gives():
    frame = pd.DataFrame({
        "opportunity_id": ["o1", "o2", None],
        "value": [1.5, float("nan"), 3.0],
        "when": pd.to_datetime(["2026-01-02 10:00", None, "2026-03-04 00:00"]),
        "n": pd.array([1, None, 3], dtype="Int64"),
        "flag": [True, False, True],
    })
    got, want = rows(frame), frame.to_dict(orient="records")
    assert len(got) == 3
    for g, w in zip(got, want, strict=True):
        assert list(g) == list(w)
        for key in w:
            assert (pd.isna(g[key]) and pd.isna(w[key])) or g[key] == w[key], key
    assert rows(frame.iloc[:0]) == []
    assert rows(frame, ["flag", "opportunity_id"])[0] == {"flag": True, "opportunity_id": "o1"}
