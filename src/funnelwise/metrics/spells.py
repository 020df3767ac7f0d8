"""Stage spells: the time each deal spent in each open stage, as seen from each origin. The one
definition the forecast's survival model and the review's thresholds and probabilities read.

A spell is one stay of one deal in one open stage, as ages (days since creation):

- it starts when the deal entered the stage (`age_in`; repeated entries of the same stage in a
  row are one stay, from the first of them);
- it ends at the deal's next entry of another open stage, else at its close, else at the
  origin (`age_out`; censored: still open, its outcome unknown);
- `to` says where it went: the next stage's index, won (`len(stages)`), lost (`+ 1`) or
  `CENSORED`; `first` marks each deal's first spell;
- a deal with no open-stage history before the origin has one spell in its as-of stage (the
  view's rule: the funnel's first stage in the past), from creation.

Entries of closed stages (`Closed Won` rows) end nothing: the close is `closed_at`.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from funnelwise.metrics.asof import days_between, history_at
from funnelwise.schema.crm import Crm

CENSORED = -1


def state_of(stage: ir.StringValue, stages: tuple[str, ...]) -> ir.IntegerValue:
    """Index of an open stage (0 = first), -1 for anything else."""
    if not stages:
        return ibis.literal(-1)
    return stage.cases(*[(s, i) for i, s in enumerate(stages)], else_=-1)


def _entries(crm: Crm, origins: ir.Table, opps: ir.Table) -> ir.Table:
    """Open-stage entries before each origin (history, or one entry at creation), of the
    deals of `opps` only: the windows below then run over their history alone."""
    stages = crm.funnel.stages
    h = history_at(crm, origins, opps.select("opportunity_id"))
    h = h.filter(h.stage.isin(list(stages) or [""]))
    recorded = h.select("origin", "opportunity_id", state=state_of(h.stage, stages),
                        t=h.entered_at)
    bare = opps.anti_join(recorded, [opps.opportunity_id == recorded.opportunity_id,
                                     opps.origin == recorded.origin])
    own = state_of(bare.stage, stages)
    synthetic = bare.select("origin", "opportunity_id",
                            state=ibis.ifelse(own >= 0, own, ibis.literal(0)),
                            t=bare.created_at)
    return recorded.union(synthetic)


def _ordered(e: ir.Table) -> ir.Table:
    """Entries without repeats of a stage in a row, with the next entry and a first flag."""
    part = [e.opportunity_id, e.origin]
    w = ibis.window(group_by=part, order_by=[e.t, e.state])
    e = e.mutate(_prev=e.state.lag().over(w))
    e = e.filter(e._prev.isnull() | (e._prev != e.state)).drop("_prev")
    w = ibis.window(group_by=[e.opportunity_id, e.origin], order_by=[e.t, e.state])
    return e.mutate(_next_t=e.t.lead().over(w), _next_state=e.state.lead().over(w),
                    first=ibis.row_number().over(w) == 0)


def spells(crm: Crm, origins: ir.Table, opps: ir.Table) -> ir.Table:
    """Spells per origin: `state`, `first`, `age_in`, `age_out` (days), `to`.

    `opps` are deals of the as-of view (`metrics.asof.opportunities_at`), any subset of them.
    """
    n = len(crm.funnel.stages)
    e = _ordered(_entries(crm, origins, opps))
    deals = opps.select(_opp=opps.opportunity_id, _origin=opps.origin, _created=opps.created_at,
                        _status=opps.status, _closed=opps.closed_at)
    j = e.inner_join(deals, [e.opportunity_id == deals._opp, e.origin == deals._origin])
    end = j._next_t.fill_null(j._closed.fill_null(j.origin))
    to = ibis.ifelse(
        j._next_t.notnull(), j._next_state,
        ibis.ifelse(j._status == "won", n, ibis.ifelse(j._status == "lost", n + 1, CENSORED)))
    age_in = ibis.greatest(days_between(j.t, j._created), 0.0)
    age_out = ibis.greatest(days_between(end, j._created), age_in)
    return j.select("origin", "opportunity_id", "state", "first", to=to, age_in=age_in,
                    age_out=age_out)


def stage_name(state: ir.IntegerValue, stages: tuple[str, ...]) -> ir.StringValue:
    """The open stage of an index (the inverse of `state_of`)."""
    if not stages:
        return ibis.null("string")
    return state.cases(*[(i, s) for i, s in enumerate(stages)], else_=ibis.null("string"))
