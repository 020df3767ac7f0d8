"""close_date_pushed: the expected close date was moved later, per close_date_history.

A push is a row of close_date_history (before the review date) whose expected close date is
later than the previous row's. Flag when pushes >= min_pushes. A warning: one push is common,
repeated pushes are a sign the deal has no real timeline.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from funnelwise.formats import count, date
from funnelwise.metrics.asof import days_between
from funnelwise.pipeline.rules import Context, Row, Rule, Skip, register


def _history(ctx: Context) -> ir.Table:
    c = ctx.crm.close_date_history
    if c is None:
        raise Skip("no close_date_history table: pushed close dates cannot be seen")
    c = c.filter(c.changed_at < ctx.snap.cut)
    if int(c.limit(1).count().execute()) == 0:
        raise Skip("close_date_history is empty before the review date: pushed close dates "
                   "cannot be seen (import close_date_history.csv to use this rule)")
    return c


def flag(ctx: Context) -> ir.Table:
    c = _history(ctx)
    prev = c.expected_close_date.lag().over(
        ibis.window(group_by=c.opportunity_id, order_by=c.changed_at))
    c = c.mutate(_push=ibis.ifelse(c.expected_close_date > prev, 1, 0))
    per = c.group_by("opportunity_id").aggregate(
        pushes=c._push.sum().cast("float64"),
        first_date=c.expected_close_date.argmin(c.changed_at),
        last_date=c.expected_close_date.argmax(c.changed_at))
    d = ctx.deals.select("opportunity_id").inner_join(per, "opportunity_id")
    d = d.filter(d.pushes >= ctx.config.min_pushes)
    moved = days_between(d.last_date.cast("timestamp"), d.first_date.cast("timestamp"))
    return d.select("opportunity_id", first_date=d.first_date.cast("string"),
                    last_date=d.last_date.cast("string"), moved=moved.round().cast("int64"),
                    value=d.pushes, threshold=ibis.literal(float(ctx.config.min_pushes)))


def evidence(r: Row) -> str:
    times = "once" if r["value"] == 1 else f"{count(r['value'])} times"
    return (f"expected close pushed {times}: first forecast {date(r['first_date'])}, "
            f"now {date(r['last_date'])} ({count(r['moved'], signed=True)} days)")


RULE = register(Rule(
    name="close_date_pushed", summary="expected close date moved later",
    disqualifying=False, flag=flag, evidence=evidence, label="Close date pushed"))
