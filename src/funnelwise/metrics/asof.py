"""The CRM as it stood at the start of a day: the one as-of view forecasts and backtests share.

`as_of = D` means everything recorded before D 00:00 is known and nothing after. A forecast
made "as of" D, or a backtest origin at D, sees exactly this view, so it cannot peek at the
future:

- opportunities: those created before D (deals without a creation date cannot be placed in
  time and are left out); a deal closed on or after D is open as of D, with no close date;
- stage: the last open stage entered before D (from stage history; a tie in time goes to the
  later stage); a deal with no history at all keeps its current stage if that is an open
  stage, otherwise the funnel's first stage; a deal closed before D keeps its (closed) stage;
- stage history, activities, outcomes and leads: rows dated before D.

What the CRM does not date cannot be rewound: amounts, products and owners are their current
values (a won deal's amount may be its final price, not the estimate it carried at D).

Backtests need the view at many days at once: `opportunities_at` takes a table of `origin`
timestamps and returns one row per (origin, deal known then), so one query serves every
origin. The single-day view is the same code with one origin.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pandas as pd

from funnelwise.schema.crm import Crm

SECONDS_PER_DAY = 86400


def cutoff(as_of: dt.date) -> ir.TimestampScalar:
    """The first instant not known as of `as_of`: the start of that day."""
    return ibis.timestamp(dt.datetime.combine(as_of, dt.time()))


def origin_table(days: Sequence[dt.date], **since: Sequence[dt.date]) -> ir.Table:
    """A small table of `origin` timestamps (start of each day), plus optional date columns."""
    cols = {"origin": pd.to_datetime([d.isoformat() for d in days])}
    cols.update({k: pd.to_datetime([d.isoformat() for d in v]) for k, v in since.items()})
    return ibis.memtable(pd.DataFrame(cols))


def _rank(stage: ir.StringValue, stages: tuple[str, ...]) -> ir.IntegerValue:
    if not stages:
        return ibis.literal(-1)
    return stage.cases(*[(s, i) for i, s in enumerate(stages)], else_=-1)


def history_at(crm: Crm, origins: ir.Table) -> ir.Table:
    """Stage history rows entered before each origin, with an `origin` column."""
    h = crm.stage_history
    j = h.inner_join(origins.select("origin"), h.entered_at < origins.origin)
    return j.select("origin", "opportunity_id", "stage", "entered_at")


def _last_stage(crm: Crm, origins: ir.Table) -> ir.Table:
    """Per (origin, deal with history before it): the last open stage entered (`_stage`)."""
    stages = crm.funnel.stages
    h = history_at(crm, origins)
    h = h.filter(h.stage.isin(list(stages) or [""]))
    order = h.entered_at.epoch_seconds() * 1000 + _rank(h.stage, stages)
    return h.group_by(_opp=h.opportunity_id, _origin=h.origin).aggregate(
        _stage=h.stage.argmax(order))


def _fallback_stage(j: ir.Table, stages: tuple[str, ...]) -> ir.StringValue:
    """Stage of an open deal with no open-stage entry before the origin."""
    first = ibis.literal(stages[0] if stages else None, type="string")
    current_open = j.stage.isin(list(stages) or [""])
    return ibis.ifelse(j._bare & current_open, j.stage, first)


def opportunities_at(crm: Crm, origins: ir.Table) -> ir.Table:
    """Opportunities as they stood at the start of each origin, with an `origin` column."""
    stages = crm.funnel.stages
    o = crm.opportunities
    j = o.inner_join(origins.select("origin"), o.created_at < origins.origin)
    known = crm.stage_history.select(_any=crm.stage_history.opportunity_id).distinct()
    j = j.left_join(known, j.opportunity_id == known._any)
    j = j.mutate(_bare=j._any.isnull()).drop("_any")
    last = _last_stage(crm, origins)
    j = j.left_join(last, (j.opportunity_id == last._opp) & (j.origin == last._origin))
    closed = j.status.isin(["won", "lost"]) & j.closed_at.notnull() & (j.closed_at < j.origin)
    return j.mutate(
        status=ibis.ifelse(closed, j.status, ibis.literal("open")),
        closed_at=ibis.ifelse(closed, j.closed_at, ibis.null("timestamp")),
        stage=ibis.ifelse(closed, j.stage, j._stage.fill_null(_fallback_stage(j, stages))),
    ).select("origin", *crm.opportunities.columns)


def opportunities_as_of(crm: Crm, as_of: dt.date) -> ir.Table:
    """Opportunities as they stood at the start of `as_of` (same columns as the table)."""
    return opportunities_at(crm, origin_table([as_of])).drop("origin")


def crm_as_of(crm: Crm, as_of: dt.date) -> Crm:
    """`crm` rewound to the start of `as_of`: every dated table cut, opportunities rebuilt."""
    cut = cutoff(as_of)
    opps = opportunities_as_of(crm, as_of)
    h = crm.stage_history
    a, oc, leads = crm.activities, crm.outcomes, crm.leads
    return dataclasses.replace(
        crm,
        opportunities=opps,
        stage_history=h.filter(h.entered_at < cut, h.opportunity_id.isin(opps.opportunity_id)),
        activities=a.filter(a.occurred_at < cut),
        outcomes=oc.filter(oc.achieved_at < cut),
        leads=leads.filter(leads.created_at.notnull(), leads.created_at < cut),
    )


def age_at(o: ir.Table) -> ir.FloatingValue:
    """Days from creation to the row's `origin` (portable epoch arithmetic)."""
    return (o.origin.epoch_seconds() - o.created_at.epoch_seconds()) / SECONDS_PER_DAY


def data_today(crm: Crm) -> dt.date:
    """The day after the latest dated record: the default `as_of` (the export's "today")."""
    o, h = crm.opportunities, crm.stage_history
    latest = [o.created_at.max(), o.closed_at.max(), h.entered_at.max()]
    found = [d for d in (as_date(v.execute()) for v in latest) if d is not None]
    if not found:
        return dt.date.today()
    return max(found) + dt.timedelta(days=1)


def as_date(value: object) -> dt.date | None:
    """A date from what a scalar query returns (datetime, date, text, None or NaT)."""
    if value is None or str(value) in ("NaT", "None", "nan"):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])
