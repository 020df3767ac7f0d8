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


def test_plain_is_json_safe():
    import datetime as dt
    import json

    import numpy as np

    from funnelwise.frames import json_text, plain

    value = {"a": float("nan"), "b": float("inf"), "c": np.int64(3), "d": np.float64(0.5),
             "e": pd.Timestamp("2026-01-02"), "f": pd.Timestamp("2026-01-02 10:30"),
             "g": dt.date(2026, 3, 4), "h": pd.NaT, "i": pd.NA, "j": (1, 2), "k": np.bool_(True),
             "frame": pd.DataFrame({"x": [1.0, None]})}
    assert plain(value) == {"a": None, "b": None, "c": 3, "d": 0.5, "e": "2026-01-02",
                            "f": "2026-01-02T10:30:00", "g": "2026-03-04", "h": None,
                            "i": None, "j": [1, 2], "k": True, "frame": [{"x": 1.0},
                                                                          {"x": None}]}
    assert json.loads(json_text(value))["a"] is None


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    import csv
    import io

    from funnelwise.frames import csv_text

    payload = "@SUM(1+1)*cmd|' /C calc'!A0"
    frame = pd.DataFrame({"product": [payload, "=1+2", "+x", "-x", "\tx", "\rx", "ok", "-12.5"],
                          "amount": [-5.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -7.0]})
    text = csv_text(frame)
    cells = list(csv.reader(io.StringIO(text, newline="")))
    assert [c[0] for c in cells[1:]] == [
        "'" + payload, "'=1+2", "'+x", "'-x", "'\tx", "'\rx", "ok", "-12.5"]
    assert [c[1] for c in cells[1:3]] == ["-5.0", "1.0"]  # numbers stay numbers
    assert text.splitlines()[1] == "'@SUM(1+1)*cmd|' /C calc'!A0,-5.0"
    assert csv_text(pd.DataFrame({"=bad": [1]})).splitlines()[0] == "'=bad"


def test_stacked_tables_keep_every_row_and_column():
    from funnelwise.frames import stacked_csv

    text = stacked_csv([("a", pd.DataFrame({"x": [1, 2], "z": [0.5, None]})),
                        ("b", pd.DataFrame({"y": ["=p"], "x": [3]}))])
    assert text.splitlines() == ["table,x,z,y", "a,1,0.5,", "a,2,,", "b,3,,'=p"]
