"""The CRM as it stood at the start of a day: the one as-of view every command, page, forecast,
calibration and backtest reads.

`as of D` means the start of day D: everything recorded before D is known, nothing after. The
data's today (`metrics.span`) is the day after its latest record; a view at today or later is
the CRM's current state ("now"), any earlier one is reconstructed:

- opportunities: those created before D. A deal without a creation date cannot be placed in
  time: it is in the view only now (Maven's Prospecting deals have no date at all).
- status: a deal won or lost before D is closed (a closed deal without a close date counts as
  closed at every D); any other is open, with no close date.
- stage of an open deal: now, its current stage when that is an open stage; otherwise the
  last open stage its history entered before D (a tie in time goes to the later stage); with
  no such history, the funnel's first open stage: a deal whose stages the CRM did not record
  is not credited, in the past, with the stage it reached later. `bare` marks those deals.
- when it entered that stage (`stage_entered_at`): that history row, else creation.
- expected close date: the last one set before D in close_date_history, else the current.
- stage history, activities, outcomes and leads: rows dated before D.

- snapshots (what each import saw of the open deals, `io.writing.record_snapshots`): an open
  deal's stage (when no stage history says otherwise), amount, owner and expected close date
  before now are those of the last import on or before D.
- forecast category of an open deal: now, the current one; before now, the last import's on
  or before D, else none: a call is a judgement of its day, today's says nothing of the past.

What neither the CRM nor an import dated cannot be rewound: amounts, products and owners are
their current values (a won deal's amount may be its final price, not the estimate it carried
at D).

Backtests need the view at many days at once: `opportunities_at` takes a table of `origin`
timestamps and returns one row per (origin, deal known then), so one query serves every
origin. The single-day view is the same code with one origin.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from funnelwise.metrics.dimensions import without
from funnelwise.metrics.span import Span, as_date, data_span
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Funnel

SECONDS_PER_DAY = 86400
COLUMNS = ("stage_entered_at", "bare")
"""Columns the view adds to the opportunities table's own."""


@dataclass(frozen=True)
class AsOf:
    """A day the CRM is viewed as of, and the data's today (`now` when the day is not before
    it: the view is the CRM's current state)."""

    day: dt.date
    today: dt.date

    @property
    def now(self) -> bool:
        return self.day >= self.today

    @property
    def cut(self) -> ir.TimestampScalar:
        """Midnight at the start of `day`: events before it count, the rest do not."""
        return cutoff(self.day)

    def describe(self) -> str:
        when = "latest data" if self.now else "reconstructed from history"
        return f"as of {self.day.isoformat()} ({when})"


def as_of(crm: Crm, day: dt.date | None = None, span: Span | None = None) -> AsOf:
    """The view for `--as-of day` (None: the data's today); a day outside the data is a user
    error naming its span."""
    span = span or data_span(crm)
    if day is None:
        return AsOf(day=span.today, today=span.today)
    return AsOf(day=span.check_day(day, "as-of day"), today=span.today)


def cutoff(day: dt.date) -> ir.TimestampScalar:
    """The first instant not known as of `day`: the start of that day."""
    return ibis.timestamp(dt.datetime.combine(day, dt.time()))


def origin_table(days: Sequence[dt.date], **since: Sequence[dt.date]) -> ir.Table:
    """A small table of `origin` timestamps (start of each day), plus optional date columns."""
    cols = {"origin": pd.to_datetime([d.isoformat() for d in days])}
    cols.update({k: pd.to_datetime([d.isoformat() for d in v]) for k, v in since.items()})
    return ibis.memtable(pd.DataFrame(cols))


def is_open_stage(stage: ir.StringValue, funnel: Funnel) -> ir.BooleanValue:
    """True for the funnel's open stages (anything but a closed stage when none are listed)."""
    if funnel.stages:
        return stage.isin(list(funnel.stages))
    if funnel.closed_stages:
        return stage.notnull() & ~stage.isin(list(funnel.closed_stages))
    return stage.notnull()


def _rank(stage: ir.StringValue, stages: tuple[str, ...]) -> ir.IntegerValue:
    if not stages:
        return ibis.literal(-1)
    return stage.cases(*[(s, i) for i, s in enumerate(stages)], else_=-1)


def _of(table: ir.Table, deals: ir.Table | None) -> ir.Table:
    """`table`'s rows of the `deals` (all when None)."""
    if deals is None:
        return table
    return table.semi_join(deals, table.opportunity_id == deals.opportunity_id)


def history_at(crm: Crm, origins: ir.Table, deals: ir.Table | None = None) -> ir.Table:
    """Stage history rows entered before each origin, with an `origin` column (of `deals`
    only when given: a table with an `opportunity_id` column)."""
    h = _of(crm.stage_history, deals)
    j = h.inner_join(origins.select("origin"), h.entered_at < origins.origin)
    return j.select("origin", "opportunity_id", "stage", "entered_at")


def _last_stage(crm: Crm, origins: ir.Table, deals: ir.Table | None = None) -> ir.Table:
    """Per (origin, deal with open-stage history before it): the last open stage entered and
    when (`_stage`, `_entered`), and whether it has any history then (`_known`)."""
    h = history_at(crm, origins, deals)
    known = h.group_by(_opp=h.opportunity_id, _origin=h.origin).aggregate(_known=h.count())
    h = h.filter(is_open_stage(h.stage, crm.funnel))
    order = h.entered_at.epoch_seconds() * 1000 + _rank(h.stage, crm.funnel.stages)
    last = h.group_by(_o=h.opportunity_id, _g=h.origin).aggregate(
        _stage=h.stage.argmax(order), _entered=h.entered_at.max())
    return known.left_join(last, (known._opp == last._o) & (known._origin == last._g)).select(
        "_opp", "_origin", "_known", "_stage", "_entered")


def _close_dates(crm: Crm, origins: ir.Table, deals: ir.Table | None = None
                 ) -> ir.Table | None:
    if crm.close_date_history is None:
        return None
    c = _of(crm.close_date_history, deals)
    j = c.inner_join(origins.select("origin"), c.changed_at < origins.origin)
    return j.group_by(_cid=j.opportunity_id, _corigin=j.origin).aggregate(
        _ecd=j.expected_close_date.argmax(j.changed_at))


SNAPSHOT = {"_sstage": "stage", "_samount": "amount", "_secd": "expected_close_date",
            "_sowner": "owner_rep_id", "_scat": "forecast_category"}


def _snapshots(crm: Crm, origins: ir.Table, deals: ir.Table | None = None) -> ir.Table | None:
    """Per (deal, origin): what the last import on or before the origin's day saw of it."""
    if crm.snapshots is None:
        return None
    s = _of(crm.snapshots, deals)
    j = s.inner_join(origins.select("origin"), s.captured_at.cast("timestamp") <= origins.origin)
    order = j.captured_at.cast("timestamp").epoch_seconds()
    return j.group_by(_sid=j.opportunity_id, _sorigin=j.origin).aggregate(
        _snap=j.count(), **{k: j[c].argmax(order) for k, c in SNAPSHOT.items()})


def _first_stage(funnel: Funnel) -> ir.StringValue:
    return ibis.literal(funnel.stages[0] if funnel.stages else None, type="string")


def opportunities_at(crm: Crm, origins: ir.Table, *, today: dt.date | None = None,
                     open_from: ir.TimestampScalar | None = None) -> ir.Table:
    """Opportunities as they stood at the start of each origin, with an `origin` column and
    `stage_entered_at`, `bare` (see the module's rules). `today` is the data's (computed when
    not given). With `open_from` (no later than the first origin), deals won or lost before it
    are left out, and their histories are not read: a caller that keeps the open deals only
    gets the same rows, sooner."""
    today = today or data_span(crm).today
    o = crm.opportunities
    deals = None
    if open_from is not None:
        gone = o.status.isin(["won", "lost"]) & (o.closed_at.isnull()
                                                 | (o.closed_at < open_from))
        o = o.filter(~gone)
        deals = o.select("opportunity_id")
    j = o.inner_join(origins.select("origin"),
                     (o.created_at < origins.origin)
                     | (o.created_at.isnull() & (origins.origin >= cutoff(today))))
    last = _last_stage(crm, origins, deals)
    j = j.left_join(last, (j.opportunity_id == last._opp) & (j.origin == last._origin))
    dates = _close_dates(crm, origins, deals)
    if dates is not None:
        j = j.left_join(dates, (j.opportunity_id == dates._cid) & (j.origin == dates._corigin))
    seen = _snapshots(crm, origins, deals)
    if seen is not None:
        j = j.left_join(seen, (j.opportunity_id == seen._sid) & (j.origin == seen._sorigin))
    now = j.origin >= cutoff(today)
    closed = j.status.isin(["won", "lost"]) & (j.closed_at.isnull() | (j.closed_at < j.origin))
    current = ibis.ifelse(now & is_open_stage(j.stage, crm.funnel), j.stage,
                          ibis.null("string"))
    past = _past(j, crm.funnel, now) if seen is not None else {}
    stage = ibis.coalesce(current, j._stage, past.get("stage", ibis.null("string")),
                          _first_stage(crm.funnel))
    entered = ibis.ifelse(j._stage.notnull() & (stage == j._stage), j._entered, j.created_at)
    expected = ibis.coalesce(*([j._ecd] if dates is not None else []),
                             past.get("expected_close_date", j.expected_close_date),
                             j.expected_close_date)
    known = j._known.notnull() | (j._snap.notnull() if seen is not None else False)
    return j.mutate(
        status=ibis.ifelse(closed, j.status, ibis.literal("open")),
        closed_at=ibis.ifelse(closed, j.closed_at, ibis.null("timestamp")),
        stage=ibis.ifelse(closed, j.stage, stage),
        expected_close_date=expected,
        stage_entered_at=ibis.ifelse(closed, ibis.null("timestamp"), entered),
        bare=~known,
        **{c: ibis.ifelse(closed, j[c], ibis.coalesce(past[c], j[c]))
           for c in ("amount", "owner_rep_id") if c in past},
        # a rep's call is a judgement of its day: before now only a snapshot knows it
        forecast_category=ibis.ifelse(closed | now, j.forecast_category,
                                      past.get("forecast_category",
                                               ibis.null("string"))),
    ).select("origin", *crm.opportunities.columns, *COLUMNS)


def _past(j: ir.Table, funnel: Funnel, now: ir.BooleanValue) -> dict[str, ir.Value]:
    """An open deal's values from its last snapshot, before now (the current state wins
    now); the stage only when it is an open stage."""
    out: dict[str, ir.Value] = {}
    for key, column in SNAPSHOT.items():
        value = j[key]
        if column == "stage":
            value = ibis.ifelse(is_open_stage(value, funnel), value, ibis.null("string"))
        out[column] = ibis.ifelse(now, ibis.null(j[column].type()), value)
    return out


def opportunities_as_of(crm: Crm, day: dt.date, *, today: dt.date | None = None,
                        open_only: bool = False) -> ir.Table:
    """Opportunities as they stood at the start of `day` (the table's columns, then
    `stage_entered_at` and `bare`); with `open_only`, those open then."""
    t = opportunities_at(crm, origin_table([day]), today=today,
                         open_from=cutoff(day) if open_only else None).drop("origin")
    return t.filter(t.status == "open") if open_only else t


def crm_as_of(crm: Crm, day: dt.date, *, today: dt.date | None = None) -> Crm:
    """`crm` rewound to the start of `day`: every dated table cut, opportunities rebuilt."""
    cut = cutoff(day)
    opps = without(opportunities_as_of(crm, day, today=today), *COLUMNS)
    h = crm.stage_history
    a, oc, leads = crm.activities, crm.outcomes, crm.leads
    cdh = crm.close_date_history
    return dataclasses.replace(
        crm,
        opportunities=opps,
        stage_history=h.filter(h.entered_at < cut, h.opportunity_id.isin(opps.opportunity_id)),
        activities=a.filter(a.occurred_at < cut),
        outcomes=oc.filter(oc.achieved_at < cut),
        leads=leads.filter(leads.created_at.notnull(), leads.created_at < cut),
        close_date_history=None if cdh is None else cdh.filter(cdh.changed_at < cut),
    )


def days_between(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    """Fractional days from `earlier` to `later`, as portable epoch arithmetic."""
    return (later.epoch_seconds() - earlier.epoch_seconds()) / SECONDS_PER_DAY


def age_at(o: ir.Table) -> ir.FloatingValue:
    """Days from creation to the row's `origin` (portable epoch arithmetic)."""
    return days_between(o.origin, o.created_at)


def bare_count(crm: Crm, day: dt.date, *, today: dt.date | None = None) -> int:
    """Open deals as of `day` with no stage history before it: placed at the first stage."""
    o = opportunities_as_of(crm, day, today=today, open_only=True)
    return int(o.filter(o.bare).count().execute())


__all__ = ["AsOf", "Span", "as_date", "as_of", "bare_count", "crm_as_of", "cutoff",
           "days_between", "history_at", "opportunities_as_of", "opportunities_at",
           "origin_table"]
