"""no_customer_activity: no sign of life for too long.

The last customer touch is the latest activity or outcome linked to the deal before the review
date (its creation when there is none). Flag when days since it > no_activity_days.
Disqualifying: a deal nobody has worked on for a month is not a qualified deal.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from funnelwise.formats import date, days, missing
from funnelwise.metrics.asof import days_between
from funnelwise.pipeline.rules import Context, Row, Rule, Skip, register


def _touches(a: ir.Table, o: ir.Table) -> ir.Table:
    return ibis.union(a.select("opportunity_id", t=a.occurred_at),
                      o.select("opportunity_id", t=o.achieved_at))


def _last_touch(ctx: Context) -> ir.Table:
    a, o = ctx.crm.activities, ctx.crm.outcomes
    a = a.filter(a.opportunity_id.notnull(), a.occurred_at < ctx.snap.cut)
    o = o.filter(o.opportunity_id.notnull(), o.achieved_at < ctx.snap.cut)
    if int(_touches(a, o).limit(1).count().execute()) == 0:
        raise Skip("no activities or outcomes are linked to opportunities before the review "
                   "date: signs of life cannot be seen")
    # only the open deals' touches: far fewer rows to group than every deal's
    ids = ctx.deals.select(_id=ctx.deals.opportunity_id)
    touches = _touches(a.semi_join(ids, a.opportunity_id == ids._id),
                       o.semi_join(ids, o.opportunity_id == ids._id))
    return touches.group_by(_tid=touches.opportunity_id).aggregate(last_touch=touches.t.max())


def flag(ctx: Context) -> ir.Table:
    last = _last_touch(ctx)
    d = ctx.deals.left_join(last, ctx.deals.opportunity_id == last._tid)
    quiet = days_between(ctx.snap.cut, ibis.coalesce(d.last_touch, d.created_at))
    d = d.mutate(value=quiet).filter(quiet > ctx.config.no_activity_days)
    return d.select("opportunity_id", "last_touch", "value",
                    threshold=ibis.literal(float(ctx.config.no_activity_days)))


def evidence(r: Row) -> str:
    limit = f"limit {days(r['threshold'], unit=True)}"
    if missing(r["last_touch"]):
        return (f"no customer activity in the {days(r['value'], unit=True)} since it was "
                f"created; {limit}")
    return (f"no customer activity for {days(r['value'], unit=True)} (last on "
            f"{date(r['last_touch'])}); {limit}")


RULE = register(Rule(
    name="no_customer_activity", summary="no customer activity or outcome for too long",
    disqualifying=True, flag=flag, evidence=evidence, label="No customer activity"))
