"""Planning periods: `2026-Q3` (a quarter), `2026` (a year) or `2026-07` (a month).

A period is a range of calendar days, both ends included. Its length in weeks is days / 7, so
a quarter of 92 days has 13.1 selling weeks unless the user says otherwise (`--weeks`).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from funnelwise.errors import UserError

_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Period:
    """A planning period: its label and its first and last day (both included)."""

    label: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def weeks(self) -> float:
        """Length in weeks, days / 7: the default number of selling weeks."""
        return self.days / 7

    def overlap_days(self, start: dt.date, end: dt.date) -> int:
        """Days of [start, end] (both included) that fall inside the period."""
        return max(0, (min(self.end, end) - max(self.start, start)).days + 1)


def _first_of_month(year: int, month: int) -> dt.date:
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _months(label: str, year: int, first: int, count: int) -> Period:
    start = _first_of_month(year, first)
    end = _first_of_month(year, first + count) - dt.timedelta(days=1)
    return Period(label=label, start=start, end=end)


def parse_period(text: str) -> Period:
    """`2026-Q3`, `2026` or `2026-07` as a Period; anything else is a user error."""
    value = text.strip()
    if m := _QUARTER.match(value):
        year, quarter = int(m[1]), int(m[2])
        return _months(f"{year}-Q{quarter}", year, 3 * quarter - 2, 3)
    if (m := _MONTH.match(value)) and 1 <= int(m[2]) <= 12:
        year, month = int(m[1]), int(m[2])
        return _months(f"{year}-{month:02d}", year, month, 1)
    if m := _YEAR.match(value):
        return _months(value, int(m[1]), 1, 12)
    raise UserError(f"period {text!r} is not a quarter, month or year "
                    "(expected e.g. 2026-Q3, 2026-07 or 2026)")


def quarter_of(day: dt.date) -> Period:
    """The calendar quarter that contains `day`."""
    return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def monday(day: dt.date) -> dt.date:
    """The Monday of the week that contains `day`: how plans name weeks."""
    return day - dt.timedelta(days=day.weekday())
