"""missing_outcomes: at a stage without the customer outcomes the funnel requires there.

The funnel's `[qualification]` table lists, per stage, the outcome kinds a deal at that stage
must have achieved (before the review date). One flag per missing outcome, with the team's
history beside it: of the past deals (closed before the review date) that reached the stage,
the win rate of those that had the outcome and of those that did not.

Disqualifying, unless the history contradicts the requirement: when at least
outcome_min_deals past deals with and without it closed, and those without it won at least
outcome_ratio times as often as those with it, the outcome plainly does not decide deals here
and the flag stays a warning (the criterion may be worth revisiting).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from funnelwise.formats import count, pct, words
from funnelwise.metrics.dimensions import count_if
from funnelwise.metrics.progress import opportunity_progress
from funnelwise.pipeline.rules import Context, Row, Rule, Skip, register, whole
from funnelwise.pipeline.snapshot import closed_before


def _required(ctx: Context) -> ir.Table:
    f = ctx.crm.funnel
    pairs = [(stage, kind, f.stages.index(stage) if stage in f.stages else 0)
             for stage, kinds in f.qualification for kind in kinds]
    if not pairs:
        raise Skip("the funnel has no [qualification] criteria: outcomes are not checked")
    stage, kind, rank = zip(*pairs, strict=True)
    return ibis.memtable({"stage": list(stage), "kind": list(kind), "min_rank": list(rank)})


def _achieved(ctx: Context, kinds: list[str]) -> ir.Table:
    """(opportunity, kind) of the outcomes of `kinds` achieved before the review date."""
    o = ctx.crm.outcomes
    o = o.filter(o.opportunity_id.notnull(), o.achieved_at < ctx.snap.cut)
    if int(o.limit(1).count().execute()) == 0:
        raise Skip("no outcomes are linked to opportunities before the review date: "
                   "qualification criteria cannot be checked")
    o = o.filter(o.kind.isin(kinds))
    return o.select(_oid=o.opportunity_id, _kind=o.kind).distinct()


def _history(ctx: Context, required: ir.Table, achieved: ir.Table) -> ir.Table:
    """Per (stage, kind): past deals that reached the stage, won and closed, with and without."""
    p = opportunity_progress(ctx.crm)
    p = p.filter(closed_before(p, ctx.snap)).select("opportunity_id", "reached", "status")
    x = p.cross_join(required)
    x = x.filter(x.reached >= x.min_rank)
    x = x.left_join(achieved, [x.opportunity_id == achieved._oid, x.kind == achieved._kind])
    has, won = x._oid.notnull(), x.status == "won"
    return x.group_by(["stage", "kind"]).aggregate(
        won_with=count_if(has & won), with_n=count_if(has),
        won_without=count_if(~has & won), without_n=count_if(~has))


def flag(ctx: Context) -> ir.Table:
    required = _required(ctx)
    achieved = _achieved(ctx, sorted({k for _, kinds in ctx.crm.funnel.qualification
                                      for k in kinds}))
    d = ctx.deals.select("opportunity_id", "stage").inner_join(required, "stage")
    d = d.anti_join(achieved, [d.opportunity_id == achieved._oid, d.kind == achieved._kind])
    d = d.left_join(_history(ctx, required, achieved), ["stage", "kind"])
    rate_with = d.won_with / ibis.ifelse(d.with_n > 0, d.with_n, ibis.null("int64"))
    rate_without = d.won_without / ibis.ifelse(d.without_n > 0, d.without_n,
                                               ibis.null("int64"))
    minimum = ctx.config.outcome_min_deals
    contradicted = ((d.with_n >= minimum) & (d.without_n >= minimum)
                    & (rate_without >= ctx.config.outcome_ratio * rate_with))
    return d.select("opportunity_id", "stage", "kind", "with_n", "without_n",
                    disqualifying=~contradicted.fill_null(False), value=rate_without,
                    threshold=ctx.config.outcome_ratio * rate_with, rate_with=rate_with)


def evidence(r: Row) -> str:
    head = f"no {words(r['kind'])}, required at {r['stage']}"
    with_n, without_n = whole(r["with_n"]), whole(r["without_n"])
    if not (with_n and without_n):
        return f"{head}; too few past deals reached {r['stage']} to compare"
    text = (f"{head}; past deals at {r['stage']} without it won {pct(r['value'])} "
            f"(of {count(without_n)}), with it {pct(r['rate_with'])} (of {count(with_n)})")
    if not r["disqualifying"]:
        text += ": here deals without it win about as often, so it does not disqualify"
    return text


RULE = register(Rule(
    name="missing_outcomes", summary="customer outcomes required at its stage not achieved",
    disqualifying=True, flag=flag, evidence=evidence, label="Missing customer outcomes"))
