"""What the team's own past says, as of a date: how long won deals took, stage by stage.

Only deals closed before the as-of date count, so a review run on history never learns from
what happened after it.

- a **stage spell** is the time a past deal spent in one open stage (`metrics.spells`, the one
  definition the forecast also reads): from entering it to entering another open stage (or
  closing). A deal with no open-stage history spent its whole life in the first stage.
- the **stage threshold** of stage s is the q-th percentile (linear) of the days won deals
  spent in s (summed over re-entries): "90% of won deals left Proposal within 55 days".
- the **won cycle** is the distribution of days from creation to close of won deals.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from funnelwise.metrics.asof import AsOf, days_between, origin_table
from funnelwise.metrics.spells import spells, stage_name
from funnelwise.schema.crm import Crm

CYCLE_QUANTILES = (0.25, 0.5, 0.75, 0.9)


def closed_deals(crm: Crm, snap: AsOf) -> ir.Table:
    """Won and lost deals closed before the cut, with a creation date: the training set."""
    o = crm.opportunities
    o = o.filter(o.status.isin(["won", "lost"]), o.closed_at < snap.cut, o.created_at.notnull())
    return o.select("opportunity_id", "created_at", "closed_at", rep=o.owner_rep_id,
                    won=o.status == "won", amount=o.amount.fill_null(0.0),
                    cycle_days=days_between(o.closed_at, o.created_at))


def stage_spells(crm: Crm, snap: AsOf, *, won_only: bool = False) -> ir.Table:
    """Per past deal (won deals only, when asked) and open stage it stayed in: age (days) on
    entering and on leaving it (`metrics.spells`, as of the cut)."""
    deals = closed_deals(crm, snap)
    if won_only:
        deals = deals.filter(deals.won)
    origins = origin_table([snap.day])
    opps = deals.cross_join(origins).select(
        "origin", "opportunity_id", "created_at", "closed_at",
        status=ibis.ifelse(deals.won, ibis.literal("won"), ibis.literal("lost")),
        stage=ibis.null("string"))
    s = spells(crm, origins, opps)
    who = deals.select(_id=deals.opportunity_id, rep=deals.rep, won=deals.won)
    s = s.inner_join(who, s.opportunity_id == who._id)
    return s.select("opportunity_id", "rep", "won",
                    stage=stage_name(s.state, crm.funnel.stages), enter_days=s.age_in,
                    leave_days=s.age_out)


def stage_thresholds(crm: Crm, snap: AsOf, quantile: float) -> ir.Table:
    """Per open stage: won deals that passed through it and the `quantile` of their days in it."""
    s = stage_spells(crm, snap, won_only=True)
    per_deal = s.group_by(["opportunity_id", "stage"]).aggregate(
        days=(s.leave_days - s.enter_days).sum())
    return per_deal.group_by("stage").aggregate(
        won_deals=per_deal.count(), threshold_days=per_deal.days.quantile(quantile))


def won_cycle(crm: Crm, snap: AsOf, quantile: float = 0.9) -> ir.Table:
    """One row: won deals and the quartiles, 90th and `quantile`-th percentile of their cycle."""
    d = closed_deals(crm, snap)
    d = d.filter(d.won)
    parts = {f"p{round(q * 100)}": d.cycle_days.quantile(q) for q in CYCLE_QUANTILES}
    return d.aggregate(won=d.count(), limit_days=d.cycle_days.quantile(quantile), **parts)
