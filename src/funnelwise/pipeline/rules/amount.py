"""amount_above_history: far bigger than anything the rep usually wins.

Reference = the rep's average won deal (deals won before the review date) when the rep has at
least amount_min_wins wins, else the whole organisation's. Flag when amount / reference >
amount_multiple. Disqualifying: a deal many times the rep's usual size is not qualified at that
value until the evidence catches up (it is often a placeholder or a wish).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from funnelwise.formats import count, money, multiple
from funnelwise.pipeline.history import closed_deals
from funnelwise.pipeline.rules import Context, Row, Rule, register, whole


def flag(ctx: Context) -> ir.Table:
    won = closed_deals(ctx.crm, ctx.snap)
    won = won.filter(won.won)
    reps = won.group_by(_rid=won.rep).aggregate(
        rep_wins=won.count(), rep_mean=won.amount.mean(), rep_max=won.amount.max())
    org = won.aggregate(org_wins=won.count(), org_mean=won.amount.mean())
    d = ctx.deals.left_join(reps, ctx.deals.rep == reps._rid).cross_join(org)
    own = d.rep_wins.fill_null(0) >= ctx.config.amount_min_wins
    ref = ibis.ifelse(own, d.rep_mean, d.org_mean)
    d = d.mutate(own=own, reference=ref, wins=ibis.ifelse(own, d.rep_wins, d.org_wins),
                 value=d.amount / ref)
    d = d.filter(d.reference > 0, d.value > ctx.config.amount_multiple)
    return d.select("opportunity_id", "amount", "own", "reference", "wins", "rep_wins",
                    "rep_max", "value", threshold=ibis.literal(ctx.config.amount_multiple))


def evidence(r: Row) -> str:
    head = f"amount {money(r['amount'])} is {multiple(r['value'])}"
    if r["own"]:
        return (f"{head} the rep's average won deal ({money(r['reference'])} over "
                f"{count(r['wins'])} wins; largest {money(r['rep_max'])}); "
                f"limit {multiple(r['threshold'])}")
    return (f"{head} the organisation's average won deal ({money(r['reference'])} over "
            f"{count(r['wins'])} wins; the rep has {count(whole(r['rep_wins']))}); "
            f"limit {multiple(r['threshold'])}")


RULE = register(Rule(
    name="amount_above_history", summary="amount far above the rep's won deals",
    disqualifying=True, flag=flag, evidence=evidence, label="Amount far above history"))
