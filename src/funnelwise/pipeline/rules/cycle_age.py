"""older_than_won_cycle: older than most deals took to be won.

Flag when age (days since creation) > the cycle_quantile-th percentile of won deals' cycle
(creation to close, before the review date). A warning: it says the deal is late, not lost.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from funnelwise.formats import count, days, pct
from funnelwise.pipeline.history import won_cycle
from funnelwise.pipeline.rules import Context, Row, Rule, register


def flag(ctx: Context) -> ir.Table:
    cyc = won_cycle(ctx.crm, ctx.snap, ctx.config.cycle_quantile)
    d = ctx.deals.cross_join(cyc.select("won", "limit_days"))
    d = d.filter(d.age_days > d.limit_days)
    return d.select("opportunity_id", "won", value=d.age_days, threshold=d.limit_days,
                    quantile=ibis.literal(ctx.config.cycle_quantile, "float64"))


def evidence(r: Row) -> str:
    return (f"{days(r['value'], unit=True)} old; {pct(r['quantile'])} of the "
            f"{count(r['won'])} won deals closed within {days(r['threshold'], unit=True)} of "
            "creation")


RULE = register(Rule(
    name="older_than_won_cycle", summary="older than most won deals took to close",
    disqualifying=False, flag=flag, evidence=evidence, label="Older than won deals get"))
