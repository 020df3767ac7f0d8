"""The pipeline open at a day: the open deals of the one as-of view (`metrics.asof`), with the
columns the review reads.

Which deals are open at D, at which stage and since when is the view's rule, so `review`,
`coverage`, the dashboard and the forecast see the same pipeline for the same day. Without
`--as-of`, D is the data's today (`metrics.span`).
"""

from __future__ import annotations

import ibis
import ibis.expr.schema as sch
import ibis.expr.types as ir
import pandas as pd

from funnelwise.metrics.asof import AsOf, days_between, opportunities_as_of
from funnelwise.schema.crm import Crm

COLUMNS = ("opportunity_id", "rep", "amount", "created_at", "stage", "stage_entered_at",
           "expected_close_date", "age_days", "stage_days", "status", "closed_at", "bare")


def closed_before(o: ir.Table, at: AsOf) -> ir.BooleanValue:
    """Won or lost before the cut (a closed deal without a close date counts as closed)."""
    return o.status.isin(["won", "lost"]) & (o.closed_at.isnull() | (o.closed_at < at.cut))


def open_deals(crm: Crm, at: AsOf) -> ir.Table:
    """Deals open at `at`, with stage, age and days in stage as they were then (`bare`: no
    stage history before the day, so placed at the first stage).

    The result is a view (a named subquery), so rules can join it with other expressions over
    the same tables.
    """
    t = opportunities_as_of(crm, at.day, today=at.today, open_only=True)
    return t.select(
        "opportunity_id", rep=t.owner_rep_id, amount=t.amount.fill_null(0.0),
        created_at=t.created_at, stage=t.stage, stage_entered_at=t.stage_entered_at,
        expected_close_date=t.expected_close_date, age_days=days_between(at.cut, t.created_at),
        stage_days=days_between(at.cut, t.stage_entered_at), status=t.status,
        closed_at=t.closed_at, bare=t.bare,
    ).view()


def in_memory(frame: pd.DataFrame, schema: sch.Schema) -> ir.Table:
    """`frame` as an in-memory table with `schema`, its missing numbers as nulls: pandas holds
    them as NaN, which Spark keeps as a number (where NaN > x holds) rather than a null."""
    missing = {c: frame[c].astype(object).where(frame[c].notna(), None)
               for c in frame.columns if frame[c].dtype.kind == "f" and frame[c].isna().any()}
    return ibis.memtable(frame.assign(**missing), schema=schema)
