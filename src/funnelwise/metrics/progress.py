"""How far each opportunity got: the furthest open stage it reached, from its history.

A deal that entered a later stage has passed the earlier ones; every deal has at least reached
the first stage; a won deal has passed them all. Stage history and the current stage both
count, so a deal imported without history still counts at its current stage.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from funnelwise.metrics.dimensions import without
from funnelwise.schema import Funnel
from funnelwise.schema.crm import Crm


def stage_rank(stage: ir.StringValue, funnel: Funnel) -> ir.IntegerValue:
    """Position of an open stage in the funnel (0 = first), -1 for any other stage."""
    if not funnel.stages:
        return ibis.literal(-1)
    return stage.cases(*[(s, i) for i, s in enumerate(funnel.stages)], else_=-1)


def opportunity_progress(crm: Crm) -> ir.Table:
    """Opportunities with `reached`: the rank of the furthest open stage they entered."""
    f, o, h = crm.funnel, crm.opportunities, crm.stage_history
    hist = h.group_by(_opp=h.opportunity_id).aggregate(_hist=stage_rank(h.stage, f).max())
    joined = o.left_join(hist, o.opportunity_id == hist._opp)
    last = len(f.stages) - 1
    reached = ibis.greatest(
        joined._hist.fill_null(0), stage_rank(joined.stage, f), ibis.literal(0)
    )
    reached = ibis.ifelse(joined.status == "won", ibis.literal(max(last, 0)), reached)
    return without(joined.mutate(reached=reached), "_opp", "_hist")
