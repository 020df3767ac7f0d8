"""Stage spells counted for the survival model (`metrics.spells` defines the spells).

For the survival model every deal is in some stage from its creation: a deal's first spell
starts at age 0 (in its first recorded stage), not at the age of its first history entry.

The model only needs spells counted per stage and age bin (`spell_summary`), so the rows never
leave the database; the same table gives the stage-weighted baseline its counts.
"""

from __future__ import annotations

import dataclasses

import ibis
import ibis.expr.types as ir
import pandas as pd

from funnelwise.metrics.spells import CENSORED, spells
from funnelwise.schema.crm import Crm

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


def spell_summary(crm: Crm, origins: ir.Table, opps: ir.Table, *, bin_days: float,
                  bins: int) -> ir.Table:
    """Spells grouped by (origin, state, bin_in, bin_out, to, first): count, days in end bins.

    Ages past the last bin are cut at its end, so the last bin holds everything older. At most
    origins x stages x bins x bins x destinations rows, usually far fewer.
    """
    s = spells(crm, origins, opps)
    s = s.mutate(age_in=ibis.ifelse(s.first, 0.0, s.age_in))
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
