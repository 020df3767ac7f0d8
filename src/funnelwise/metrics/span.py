"""The data's span and its "today": the one definition every command, page and model uses.

A CRM export has no clock of its own. Its **today** is the day after its latest dated record
(a deal created or closed, a stage entered, an activity, an outcome, a lead, a close-date
change): the start of that day is when the export "was taken", the default as-of day of every
view. Its **first** day is its earliest dated record.

Questions outside the span cannot be answered from it: a period, week or as-of day that
starts after today plus one period of its own length (a quarter for a day), or that ends
before the first record, is a user error that names the span (`Span.check`). A plan may look
a quarter further (`PLAN_LEAD_MONTHS`): its work starts about a sales cycle before its period,
so at the end of June it is the fourth quarter that is still wholly ahead, and the rates it
reads are history's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from funnelwise.errors import UserError
from funnelwise.periods import MONTHS, Period, add_months
from funnelwise.schema.crm import Crm

PLAN_LEAD_MONTHS = 3
"""How much further than other questions a plan (`plan`, `project`, the plan pages) may look."""


def horizon(today: dt.date, period: Period, *, plan: bool = False) -> dt.date:
    """`Span.horizon` for the data's `today`."""
    kind = period.kind
    if kind == "week":
        last = today + dt.timedelta(days=7)
    elif kind is None and period.days == 1:
        last = add_months(today, 3)
    else:
        last = add_months(today, MONTHS.get(kind, 3) if kind else
                          max(1, round(period.days / 30.44)))
    return add_months(last, PLAN_LEAD_MONTHS) if plan else last


def too_far(today: dt.date, period: Period, *, plan: bool = False) -> bool:
    """Whether `period` starts past what the data's `today` can speak to (`Span.check`)."""
    return period.start > horizon(today, period, plan=plan)


@dataclass(frozen=True)
class Span:
    """The first and last days with a dated record; `today` is the day after the last."""

    first: dt.date
    last: dt.date

    @property
    def today(self) -> dt.date:
        return self.last + dt.timedelta(days=1)

    @property
    def days(self) -> int:
        """Days of history: from the first record to today."""
        return (self.today - self.first).days

    def describe(self) -> str:
        return f"records from {self.first.isoformat()} to {self.last.isoformat()}"

    def horizon(self, period: Period, *, plan: bool = False) -> dt.date:
        """The last start a question about a period like `period` may have: today plus one
        period of its length (a week for a week), and a quarter more for a `plan`."""
        return horizon(self.today, period, plan=plan)

    def check(self, period: Period, what: str, *, plan: bool = False) -> Period:
        """`period` if the data can answer for it (a `plan` may look a quarter further),
        else a user error naming the span."""
        if period.end < self.first:
            raise UserError(f"{what} {period.label} ends before the data begins "
                            f"({self.describe()}); ask about a period inside it")
        if too_far(self.today, period, plan=plan):
            said = "one period and a quarter" if plan else "one period"
            raise UserError(f"{what} {period.label} starts after the data's today "
                            f"({self.today.isoformat()}) plus {said} ({self.describe()}): "
                            "nothing in the data speaks to it yet")
        return period

    def check_day(self, day: dt.date, what: str) -> dt.date:
        """An as-of day the data can answer for: from its first record to a quarter past
        today."""
        self.check(Period(label=day.isoformat(), start=day, end=day), what)
        return day


    def check_window(self, since: dt.date | None, until: dt.date | None) -> None:
        """A date window the data can answer for: it may start before the data, not end
        before it, and neither end may lie past today plus a quarter."""
        for name, day in (("since", since), ("until", until)):
            if day is not None and day > self.horizon(Period(day.isoformat(), day, day)):
                raise UserError(f"{name}={day.isoformat()} is after the data's today "
                                f"({self.today.isoformat()}) plus a quarter ({self.describe()})")
        if until is not None and until < self.first:
            raise UserError(f"until={until.isoformat()} is before the data begins "
                            f"({self.describe()})")


def _latest(crm: Crm) -> list[ir.TimestampScalar]:
    o = crm.opportunities
    values = [o.created_at.max(), o.closed_at.max(), crm.stage_history.entered_at.max(),
              crm.activities.occurred_at.max(), crm.outcomes.achieved_at.max(),
              crm.leads.created_at.max()]
    if crm.close_date_history is not None:
        values.append(crm.close_date_history.changed_at.max())
    return values


def _earliest(crm: Crm) -> list[ir.TimestampScalar]:
    o = crm.opportunities
    return [o.created_at.min(), o.closed_at.min(), crm.stage_history.entered_at.min(),
            crm.activities.occurred_at.min(), crm.outcomes.achieved_at.min(),
            crm.leads.created_at.min()]


def data_span(crm: Crm) -> Span:
    """The span of the workspace's dated records, in one query; a user error when it has none."""
    first = ibis.least(*_earliest(crm)).name("first")
    last = ibis.greatest(*_latest(crm)).name("last")
    row = ibis.memtable({"_": [0]}).select(first=first, last=last).execute()
    found = [as_date(row["first"].iloc[0]), as_date(row["last"].iloc[0])]
    if found[0] is None or found[1] is None:
        raise UserError("the workspace has no dated records; import data first")
    return Span(first=found[0], last=found[1])


def as_date(value: object) -> dt.date | None:
    """A date from what a scalar query returns (datetime, date, text, None or NaT)."""
    if value is None or str(value) in ("NaT", "None", "nan"):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
