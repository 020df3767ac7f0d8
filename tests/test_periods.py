"""The one model of time: periods, their arithmetic, and the default period rule."""

from __future__ import annotations

import datetime as dt

import pytest

from funnelwise.errors import UserError
from funnelwise.periods import (
    add_months,
    containing,
    default_period,
    following,
    next_periods,
    next_starting,
    parse_period,
    quarters,
    why_default,
)

D = dt.date.fromisoformat


@pytest.mark.parametrize(("text", "label", "start", "end", "kind"), [
    ("2026-Q3", "2026-Q3", "2026-07-01", "2026-09-30", "quarter"),
    ("2026-q1", "2026-Q1", "2026-01-01", "2026-03-31", "quarter"),
    ("2026-7", "2026-07", "2026-07-01", "2026-07-31", "month"),
    ("2024-02", "2024-02", "2024-02-01", "2024-02-29", "month"),
    ("2026", "2026", "2026-01-01", "2026-12-31", "year"),
    ("2026-W27", "2026-W27", "2026-06-29", "2026-07-05", "week"),
    ("2026-w1", "2026-W01", "2025-12-29", "2026-01-04", "week"),
])
def test_periods_parse_to_their_days(text, label, start, end, kind):
    p = parse_period(text)
    assert (p.label, p.start, p.end, p.kind) == (label, D(start), D(end), kind)


@pytest.mark.parametrize("text", ["2026-Q5", "2026-13", "26-Q1", "2026-W54", "Q3"])
def test_other_text_is_a_user_error(text):
    with pytest.raises(UserError):
        parse_period(text)


def test_the_default_period_keeps_a_third_of_the_current_one():
    # 2026-Q2 has 91 days; from 2026-05-31 on, 31 remain (more than a third), from 06-01 30
    assert default_period(D("2026-05-31")).label == "2026-Q2"
    assert default_period(D("2026-06-01")).label == "2026-Q3"
    assert default_period(D("2026-06-29")).label == "2026-Q3"  # the demo's today
    assert default_period(D("2026-07-01")).label == "2026-Q3"
    assert default_period(D("2026-12-31")).label == "2027-Q1"
    assert default_period(D("2026-06-29"), "month").label == "2026-07"
    assert default_period(D("2026-06-29"), "year").label == "2026"
    assert why_default(D("2026-06-29")) == (
        "the quarter after 2026-Q2: less than a third of 2026-Q2 remains from the data's "
        "today (2026-06-29)")
    assert why_default(D("2026-05-01")) == (
        "the quarter that contains the data's today (2026-05-01)")


def test_arithmetic():
    assert following(parse_period("2026-Q4")).label == "2027-Q1"
    assert following(parse_period("2026-W52")).label == "2026-W53"
    assert following(parse_period("2026-12")).label == "2027-01"
    assert [p.label for p in next_periods(parse_period("2026-Q4"), 2)] == ["2027-Q1", "2027-Q2"]
    assert add_months(D("2017-01-31"), 1) == D("2017-02-28")
    assert add_months(D("2024-01-31"), 1) == D("2024-02-29")
    assert add_months(D("2017-03-31"), -1) == D("2017-02-28")
    assert [q.label for q in quarters(D("2025-12-15"), D("2026-04-01"))] == [
        "2025-Q4", "2026-Q1", "2026-Q2"]
    assert next_starting(D("2026-07-01"), 3).label == "2026-Q3"
    assert next_starting(D("2026-07-02"), 3).label == "2026-Q4"
    assert containing(D("2026-06-29"), "week").label == "2026-W27"


def test_months_beyond_the_calendar_are_a_user_error():
    with pytest.raises(UserError, match="outside the calendar"):
        add_months(D("9999-12-31"), 1)
