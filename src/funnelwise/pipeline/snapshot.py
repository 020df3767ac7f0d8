"""The pipeline as it stood on a date: which deals were open, at which stage, since when.

`as of D` means the start of day D: every event strictly before D has happened, none after.
A deal was open at D when it was created before D and had not closed before D:

    open(D) = created_at < D and not (won or lost, with closed_at < D or no closed_at)

Its stage at D is the last open stage its history entered before D (the current stage when the
history has none, else the funnel's first stage), entered at that history row (else at
creation); its expected close date at D is the last one set before D in close_date_history
(else the current one). Without `--as-of`, D is the day after the latest event in the data:
the CRM's current stage then comes first, and open deals without a creation date count too
(Maven's Prospecting rows have no date at all).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from funnelwise.errors import UserError
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Funnel

SECONDS_PER_DAY = 86400
COLUMNS = ("opportunity_id", "rep", "amount", "created_at", "stage", "stage_entered_at",
           "expected_close_date", "age_days", "stage_days", "status", "closed_at")


@dataclass(frozen=True)
class Snapshot:
    """A review date: the pipeline at the start of `as_of`; `now` when no date was asked."""

    as_of: dt.date
    now: bool = False

    @property
    def cut(self) -> ir.TimestampScalar:
        """Midnight at the start of `as_of`: events before it count, the rest do not."""
        return ibis.timestamp(dt.datetime.combine(self.as_of, dt.time()))

    def describe(self) -> str:
        when = "latest data" if self.now else "reconstructed from history"
        return f"pipeline as of {self.as_of.isoformat()} ({when})"


def days_between(later: ir.TimestampValue, earlier: ir.TimestampValue) -> ir.FloatingValue:
    """Fractional days from `earlier` to `later`, as portable epoch arithmetic."""
    return (later.epoch_seconds() - earlier.epoch_seconds()) / SECONDS_PER_DAY


def latest_day(crm: Crm) -> dt.date:
    """The day after the latest event in the data: "today" for a CRM export."""
    o = crm.opportunities
    scalars = [o.created_at.max(), o.closed_at.max(), crm.stage_history.entered_at.max(),
               crm.activities.occurred_at.max(), crm.outcomes.achieved_at.max()]
    found = [v for v in (s.execute() for s in scalars) if v is not None and v == v]
    if not found:
        raise UserError("the workspace has no dated records; import data first")
    return max(v.date() for v in found) + dt.timedelta(days=1)


def resolve(crm: Crm, as_of: dt.date | None) -> Snapshot:
    """The snapshot for `--as-of` (None: the latest data)."""
    return Snapshot(as_of=as_of, now=False) if as_of else Snapshot(latest_day(crm), now=True)


def is_open_stage(stage: ir.StringValue, funnel: Funnel) -> ir.BooleanValue:
    """True for the funnel's open stages (anything but a closed stage when none are listed)."""
    if funnel.stages:
        return stage.isin(list(funnel.stages))
    if funnel.closed_stages:
        return stage.notnull() & ~stage.isin(list(funnel.closed_stages))
    return stage.notnull()


def closed_before(o: ir.Table, snap: Snapshot) -> ir.BooleanValue:
    """Won or lost before the cut (a closed deal without a close date counts as closed)."""
    return o.status.isin(["won", "lost"]) & (o.closed_at.isnull() | (o.closed_at < snap.cut))


def _stage_rows(crm: Crm, snap: Snapshot, deals: ir.Table) -> ir.Table:
    """The last open stage each of `deals` entered before the cut, and when."""
    h = crm.stage_history
    h = h.filter(h.entered_at < snap.cut, is_open_stage(h.stage, crm.funnel))
    # only the history of `deals`: far fewer groups than every deal's
    h = h.semi_join(deals, h.opportunity_id == deals.opportunity_id)
    return h.group_by(_sid=h.opportunity_id).aggregate(
        _hstage=h.stage.argmax(h.entered_at), _hentered=h.entered_at.max())


def _close_dates(crm: Crm, snap: Snapshot) -> ir.Table | None:
    c = crm.close_date_history
    if c is None:
        return None
    c = c.filter(c.changed_at < snap.cut)
    return c.group_by(_cid=c.opportunity_id).aggregate(
        _ecd=c.expected_close_date.argmax(c.changed_at))


def _stage_at(t: ir.Table, funnel: Funnel, now: bool) -> ir.StringValue:
    current = ibis.ifelse(is_open_stage(t.stage, funnel) & (t.status == "open"), t.stage,
                          ibis.null("string"))
    first = ibis.literal(funnel.stages[0] if funnel.stages else None, "string")
    order = (current, t._hstage) if now else (t._hstage, current)
    return ibis.coalesce(*order, first)


def open_deals(crm: Crm, snap: Snapshot) -> ir.Table:
    """Deals open at the snapshot, with stage, age and days in stage as they were then.

    The result is a view (a named subquery), so rules can join it with other expressions over
    the same tables.
    """
    o = crm.opportunities
    created = o.created_at < snap.cut
    if snap.now:
        created |= o.created_at.isnull() & (o.status == "open")
    o = o.filter(created, ~closed_before(o, snap))
    stages = _stage_rows(crm, snap, o)
    t = o.left_join(stages, o.opportunity_id == stages._sid)
    dates = _close_dates(crm, snap)
    if dates is not None:
        t = t.left_join(dates, t.opportunity_id == dates._cid)
    expected = t.expected_close_date
    if dates is not None:
        expected = ibis.coalesce(t._ecd, expected)
    stage = _stage_at(t, crm.funnel, snap.now)
    entered = ibis.ifelse(stage == t._hstage, t._hentered, t.created_at)
    return t.select(
        "opportunity_id", rep=t.owner_rep_id, amount=t.amount.fill_null(0.0),
        created_at=t.created_at, stage=stage, stage_entered_at=entered,
        expected_close_date=expected, age_days=days_between(snap.cut, t.created_at),
        stage_days=days_between(snap.cut, entered), status=t.status, closed_at=t.closed_at,
    ).view()
