"""Stage spells: the time each deal spent in each open stage, as seen from each origin.

A spell is one stay of one deal in one open stage: the deal's age (days since creation) when it
entered and when it left, and where it went: the next stage, won, lost, or nowhere yet
(censored at the origin: the deal is still open, its outcome unknown). Every deal's first
spell starts at age 0 (a deal is in its first recorded stage from creation); a deal with no
stage history before the origin has one spell in its as-of stage (the first stage once closed).
Repeated entries of the same stage in a row are one spell.

The survival model only needs spells counted per stage and age bin (`spell_summary`), so the
rows never leave the database; the same table gives the stage-weighted baseline its counts.
"""

from __future__ import annotations

import dataclasses

import ibis
import ibis.expr.types as ir
import pandas as pd

from funnelwise.metrics.asof import SECONDS_PER_DAY, history_at
from funnelwise.schema.crm import Crm

CENSORED = -1
EXACT = "decimal(38, 9)"


@dataclasses.dataclass(frozen=True)
class SpellCounts:
    """Aggregated spells of one origin, per stage and age bin.

    - `entries`: state, bin_in, multi (the spell goes on past its first bin), n, part (days
      spent in the first bin);
    - `exits`: state, bin_out, n, part (days spent in the last bin) of spells spanning bins;
    - `moves`: state, bin_out, to, n of spells that ended in a move (not censored);
    - `starts`: state, n of each deal's first spell (where new deals begin).
    """

    entries: pd.DataFrame
    exits: pd.DataFrame
    moves: pd.DataFrame
    starts: pd.DataFrame
    states: tuple[str, ...]
    bin_days: float
    bins: int


def state_of(stage: ir.StringValue, stages: tuple[str, ...]) -> ir.IntegerValue:
    """Index of an open stage (0 = first), -1 for anything else."""
    if not stages:
        return ibis.literal(-1)
    return stage.cases(*[(s, i) for i, s in enumerate(stages)], else_=-1)


def _entries(crm: Crm, origins: ir.Table, opps: ir.Table) -> ir.Table:
    """Stage entries before each origin (history, or one synthetic entry at creation)."""
    stages = crm.funnel.stages
    h = history_at(crm, origins)
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
    """Spells per origin: `state`, `age_in`, `age_out` (days), `to` (state, won, lost, -1).

    `opps` is `opportunities_at(crm, origins)`.
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
    created = j._created.epoch_seconds()
    age_in = ibis.ifelse(j.first, 0.0, (j.t.epoch_seconds() - created) / SECONDS_PER_DAY)
    age_in = ibis.greatest(age_in, 0.0)
    age_out = ibis.greatest((end.epoch_seconds() - created) / SECONDS_PER_DAY, age_in)
    return j.select("origin", "opportunity_id", "state", "first", to=to, age_in=age_in,
                    age_out=age_out)


def spell_summary(crm: Crm, origins: ir.Table, opps: ir.Table, *, bin_days: float,
                  bins: int) -> ir.Table:
    """Spells grouped by (origin, state, bin_in, bin_out, to, first): count, days in end bins.

    Ages past the last bin are cut at its end, so the last bin holds everything older. At most
    origins x stages x bins x bins x destinations rows, usually far fewer.
    """
    s = spells(crm, origins, opps)
    top = bins * bin_days - 1e-6
    a_in, a_out = ibis.least(s.age_in, top), ibis.least(s.age_out, top)
    b_in = (a_in / bin_days).floor().cast("int64")
    b_out = (a_out / bin_days).floor().cast("int64")
    s = s.mutate(bin_in=b_in, bin_out=b_out,
                 first_part=ibis.ifelse(b_out > b_in, (b_in + 1) * bin_days - a_in, a_out - a_in),
                 last_part=a_out - b_out * bin_days)
    return s.group_by(["origin", "state", "bin_in", "bin_out", "to", "first"]).aggregate(
        n=s.count(), first_part=_exact_sum(s.first_part), last_part=_exact_sum(s.last_part))


def _exact_sum(days: ir.FloatingValue) -> ir.FloatingScalar:
    """Sum of days to the nanoday, in decimals: the same total in any order, so a parallel
    engine gives the same figure on every run (a float sum's last bit depends on the order)."""
    return days.cast(EXACT).sum().cast("float64")


def reached(crm: Crm, origins: ir.Table, opps: ir.Table) -> ir.Table:
    """Closed deals per origin by the furthest open stage reached (won = all): won, closed."""
    n = len(crm.funnel.stages)
    s = spells(crm, origins, opps)
    deal = s.group_by(["origin", "opportunity_id"]).aggregate(
        furthest=s.state.max(), won=(s.to == n).any(), lost=(s.to == n + 1).any())
    closed = deal.filter(deal.won | deal.lost)
    level = ibis.ifelse(closed.won, max(n - 1, 0), closed.furthest)
    closed = closed.mutate(reached=level, is_won=ibis.ifelse(closed.won, 1, 0))
    return closed.group_by(["origin", "reached"]).aggregate(
        won=closed.is_won.sum().cast("int64"), closed=closed.count())


def counts_of(summary: pd.DataFrame, *, states: tuple[str, ...], bin_days: float,
              bins: int) -> SpellCounts:
    """One origin's rows of `spell_summary` as the counts the survival model reads."""
    g = summary.assign(multi=summary["bin_out"] > summary["bin_in"])
    entries = g.groupby(["state", "bin_in", "multi"], as_index=False).agg(
        n=("n", "sum"), part=("first_part", "sum"))
    exits = g[g["multi"]].groupby(["state", "bin_out"], as_index=False).agg(
        n=("n", "sum"), part=("last_part", "sum"))
    moves = g[g["to"] != CENSORED].groupby(["state", "bin_out", "to"], as_index=False)["n"].sum()
    starts = g[g["first"].astype(bool)].groupby("state", as_index=False)["n"].sum()
    return SpellCounts(entries=entries, exits=exits, moves=moves, starts=starts, states=states,
                       bin_days=bin_days, bins=bins)
