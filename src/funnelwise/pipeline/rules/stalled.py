"""stalled_in_stage: longer in its current stage than most deals that went on to win.

Flag when days in stage > stall_factor x the stage_quantile-th percentile of the days won deals
spent in that stage (before the review date). A warning: slow deals still win sometimes.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from funnelwise.formats import count, days, pct
from funnelwise.pipeline.history import stage_thresholds
from funnelwise.pipeline.rules import Context, Row, Rule, register


def flag(ctx: Context) -> ir.Table:
    th = stage_thresholds(ctx.crm, ctx.snap, ctx.config.stage_quantile)
    d = ctx.deals.inner_join(th, "stage")
    limit = d.threshold_days * ctx.config.stall_factor
    d = d.filter(d.stage_days > limit)
    return d.select("opportunity_id", "stage", "won_deals", "threshold_days",
                    value=d.stage_days, threshold=limit,
                    quantile=ibis.literal(ctx.config.stage_quantile, "float64"))


def evidence(r: Row) -> str:
    text = (f"{days(r['value'], unit=True)} in {r['stage']}; {pct(r['quantile'])} of the "
            f"{count(r['won_deals'])} won deals left it within "
            f"{days(r['threshold_days'], unit=True)}")
    if r["threshold"] != r["threshold_days"]:
        text += f" (limit {days(r['threshold'], unit=True)})"
    return text


RULE = register(Rule(
    name="stalled_in_stage", summary="in its stage longer than most won deals were",
    disqualifying=False, flag=flag, evidence=evidence, label="Stalled in its stage"))
