"""The helpers review rules write their evidence with, and every rule's label."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from funnelwise.formats import date, days, pct
from funnelwise.pipeline.rules import label, rules, whole


def test_evidence_reads_missing_values_as_a_dash():
    assert [date(pd.Timestamp("2026-05-01 13:45")), date(dt.date(2026, 5, 1)),
            date("2026-05-01")] == ["2026-05-01"] * 3
    assert {date(v) for v in (None, pd.NaT, float("nan"), pd.NA)} == {"–"}
    assert (days(12.4, unit=True), days(None, unit=True)) == ("12 days", "–")
    assert (pct(0.25), pct(float("nan")), whole(7.0), whole(pd.NA)) == ("25.0%", "–", 7, 0)


def test_every_rule_has_a_label_a_manager_reads():
    labels = {r.name: r.label for r in rules()}
    assert labels["amount_above_history"] == "Amount far above history"
    assert labels["close_date_pushed"] == "Close date pushed"
    assert labels["missing_outcomes"] == "Missing customer outcomes"
    assert all(text and "_" not in text for text in labels.values())
    assert label("some_new_rule") == "Some new rule"  # a rule without one: its name in words
