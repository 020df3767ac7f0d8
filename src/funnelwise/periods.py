"""Periods of the calendar, the one model of time every command, page and model uses.

A period is a range of calendar days, both ends included, with the label a manager types:

    2026-Q3      a quarter          2026-07      a month
    2026         a year             2026-W27     an ISO week (Monday to Sunday)

- arithmetic: `add_months`, `following` (the next period of the same kind), `shifted`;
- "current" and "next": `containing(day, kind)`; `default_period(today)` is the period
  a command answers for when none is asked: the one containing the data's today if at least
  a third of it remains, else the next one (a quarter with two days left is already over for
  planning, coverage and coaching).

This module is the bottom layer: it imports nothing of funnelwise but its errors.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from funnelwise.errors import UserError

Kind = Literal["quarter", "month", "year", "week"]
KINDS: tuple[Kind, ...] = ("quarter", "month", "year", "week")
REMAINING = 1 / 3
"""The share of the current period that must remain for it to be the default one."""

_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_YEAR = re.compile(r"^(\d{4})$")
_WEEK = re.compile(r"^(\d{4})-[Ww](\d{1,2})$")
MONTHS: dict[Kind, int] = {"quarter": 3, "month": 1, "year": 12}


@dataclass(frozen=True)
class Period:
    """A period: its label and its first and last day (both included)."""

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

    @property
    def kind(self) -> Kind | None:
        """quarter, month, year or week, or None for a span that is none of them."""
        for kind in KINDS:
            if containing(self.start, kind) == self:
                return kind
        return None

    def record(self) -> dict[str, str | float]:
        """The period as JSON names it, wherever a command or page says what it answers for."""
        return {"label": self.label, "start": self.start.isoformat(),
                "end": self.end.isoformat(), "weeks": self.weeks}

    def overlap_days(self, start: dt.date, end: dt.date) -> int:
        """Days of [start, end] (both included) that fall inside the period."""
        return max(0, (min(self.end, end) - max(self.start, start)).days + 1)

    def remaining(self, today: dt.date) -> float:
        """The share of the period from `today` (included) to its end; 1 before it starts."""
        if today <= self.start:
            return 1.0
        return max(0, (self.end - today).days + 1) / self.days


def _first_of_month(year: int, month: int) -> dt.date:
    return dt.date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _last_of_month(year: int, month: int) -> dt.date:
    first = _first_of_month(year, month)
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _months(label: str, year: int, first: int, count: int) -> Period:
    start = _first_of_month(year, first)
    return Period(label=label, start=start, end=_last_of_month(year, first + count - 1))


def _week(year: int, week: int) -> Period:
    try:
        start = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise UserError(f"week {year}-W{week:02d} does not exist (ISO weeks run 1 to 52 or "
                        "53)") from None
    end = start + dt.timedelta(days=6) if start <= dt.date.max - dt.timedelta(days=6) else (
        dt.date.max)
    return Period(label=f"{year}-W{week:02d}", start=start, end=end)


def parse_period(text: str) -> Period:
    """`2026-Q3`, `2026-07`, `2026` or `2026-W27` as a Period; anything else is a user error."""
    value = text.strip()
    if m := _QUARTER.match(value):
        year, quarter = int(m[1]), int(m[2])
        return _months(f"{year}-Q{quarter}", year, 3 * quarter - 2, 3)
    if (m := _MONTH.match(value)) and 1 <= int(m[2]) <= 12:
        year, month = int(m[1]), int(m[2])
        return _months(f"{year}-{month:02d}", year, month, 1)
    if m := _YEAR.match(value):
        return _months(value, int(m[1]), 1, 12)
    if m := _WEEK.match(value):
        return _week(int(m[1]), int(m[2]))
    raise UserError(f"period {text!r} is not a quarter, month, year or week "
                    "(expected e.g. 2026-Q3, 2026-07, 2026 or 2026-W27)")


def containing(day: dt.date, kind: Kind = "quarter") -> Period:
    """The quarter (month, year, week) that contains `day`."""
    if kind == "quarter":
        return parse_period(f"{day.year}-Q{(day.month - 1) // 3 + 1}")
    if kind == "month":
        return parse_period(f"{day.year}-{day.month:02d}")
    if kind == "year":
        return parse_period(str(day.year))
    year, week, _ = day.isocalendar()
    return _week(year, week)


def _after(day: dt.date) -> dt.date:
    if day == dt.date.max:
        raise UserError(f"{day} is the last day of the calendar: there is no period after it")
    return day + dt.timedelta(days=1)


def quarter_of(day: dt.date) -> Period:
    """The calendar quarter that contains `day`."""
    return containing(day, "quarter")


def following(period: Period) -> Period:
    """The period of the same kind right after `period`."""
    kind = period.kind
    if kind is None:
        return shifted(period, 1)
    return containing(_after(period.end), kind)


def default_period(today: dt.date, kind: Kind = "quarter") -> Period:
    """The period a command answers for when none is asked: the one containing `today` if at
    least a third of it remains, else the next one."""
    current = containing(today, kind)
    return current if current.remaining(today) >= REMAINING else following(current)


def why_default(today: dt.date, kind: Kind = "quarter", *, day: str = "the data's today"
                ) -> str:
    """Why `default_period(today)` is the period it is, in a sentence's words (`day` names
    what `today` is)."""
    current = containing(today, kind)
    if current.remaining(today) >= REMAINING:
        return f"the {kind} that contains {day} ({today.isoformat()})"
    return (f"the {kind} after {current.label}: less than a third of {current.label} remains "
            f"from {day} ({today.isoformat()})")


def monday(day: dt.date) -> dt.date:
    """The Monday of the week that contains `day`: how plans and coaching name weeks."""
    return day - dt.timedelta(days=day.weekday())


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later (clipped to the month's last day)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise UserError(f"cannot add {months} months to {day}: outside the calendar")
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def month_count(period: Period) -> int:
    """Whole calendar months the period spans (a quarter: 3)."""
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def label_of(start: dt.date, months: int) -> str:
    """The label of the period of `months` months from `start`: `2026-Q3`, `2026-07`, `2026`,
    or `2026-07-15 +2m` for a span that is none of them."""
    if months == 12 and start.month == 1:
        return str(start.year)
    if months == 3 and start.month % 3 == 1:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if months == 1:
        return f"{start.year}-{start.month:02d}"
    return f"{start.isoformat()} +{months}m"


def shifted(period: Period, count: int) -> Period:
    """The period `count` lengths later (earlier when negative), as many months long."""
    months = month_count(period)
    start = add_months(period.start, months * count)
    end = add_months(start, months) - dt.timedelta(days=1)
    return Period(label=label_of(start, months), start=start, end=end)


def next_periods(period: Period, count: int) -> list[Period]:
    """The `count` periods after `period`, each as many months long."""
    return [shifted(period, i) for i in range(1, count + 1)]


def quarters(first: dt.date, last: dt.date) -> list[Period]:
    """The calendar quarters overlapping [first, last]."""
    out: list[Period] = []
    period = quarter_of(first)
    while period.start <= last:
        out.append(period)
        period = following(period)
    return out


def next_starting(day: dt.date, months: int) -> Period:
    """The first calendar month, quarter or year (`months` 1, 3 or 12) starting on or after
    `day`."""
    first = dt.date(day.year, day.month - (day.month - 1) % months, 1)
    start = first if first == day else add_months(first, months)
    return parse_period(label_of(start, months))
