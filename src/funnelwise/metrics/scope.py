"""Scope: the part of the org a figure is about (one manager's reps, one team, or everyone).

Every metric takes a `Crm`; restricting it to a manager or a team is done once, here, by
keeping only the rows that belong to the reps in scope, so the web pages, the report and the
CLI show the same numbers for the same filters. The period (`since`/`until`) is not part of
the scope: each metric applies it to the date that matters for it.

Rows are kept when they belong to a rep in scope, by the columns a table has: an owner
(opportunities, leads), a rep (reps, activities, quotas; an outcome without a rep by its
opportunity), else an opportunity (stage history and other per-deal histories). Tables with
none of these (accounts) are shared between teams and are not restricted.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from funnelwise.errors import UserError, unknown_name
from funnelwise.schema.crm import Crm


@dataclass(frozen=True)
class Scope:
    """A manager and/or a team; both empty means the whole organisation."""

    manager: str | None = None
    team: str | None = None

    @property
    def is_everyone(self) -> bool:
        return self.manager is None and self.team is None

    def describe(self) -> str:
        parts = [f"manager {self.manager}" if self.manager else "",
                 f"team {self.team}" if self.team else ""]
        return ", ".join(p for p in parts if p) or "whole organisation"


def reps_in(crm: Crm, scope: Scope) -> ir.Table:
    """The reps rows of the scope's reps."""
    reps = crm.reps
    cond = ibis.literal(True)
    if scope.manager is not None:
        cond &= reps.manager == scope.manager
    if scope.team is not None:
        cond &= reps.team == scope.team
    return reps.filter(cond)


def _restrict_table(t: ir.Table, ids: ir.Column, opp_ids: ir.Column) -> ir.Table:
    """Rows of one table that belong to the reps `ids` (or their opportunities `opp_ids`)."""
    cols = set(t.columns)
    if "owner_rep_id" in cols:
        return t.filter(t.owner_rep_id.isin(ids))
    if {"rep_id", "opportunity_id"} <= cols:
        return t.filter(t.rep_id.isin(ids) | (
            t.rep_id.isnull() & t.opportunity_id.isin(opp_ids)))
    if "rep_id" in cols:
        return t.filter(t.rep_id.isin(ids))
    if "opportunity_id" in cols:
        return t.filter(t.opportunity_id.isin(opp_ids))
    return t


def restrict(crm: Crm, scope: Scope) -> Crm:
    """`crm` with every table limited to the rows of the reps in `scope` (pure, lazy)."""
    if scope.is_everyone:
        return crm
    ids = reps_in(crm, scope).rep_id
    opps = crm.opportunities
    opp_ids = opps.filter(opps.owner_rep_id.isin(ids)).opportunity_id
    tables = {f.name: getattr(crm, f.name) for f in dataclasses.fields(crm)}
    return dataclasses.replace(crm, **{
        name: _restrict_table(t, ids, opp_ids)
        for name, t in tables.items() if isinstance(t, ir.Table)})


def known(crm: Crm, column: str) -> list[str]:
    """The distinct non-empty values of a reps column (`manager`, `team`), sorted."""
    reps = crm.reps
    values = reps.filter(reps[column].notnull()).select(v=reps[column]).distinct()
    return sorted(str(v) for v in values.to_pandas()["v"])


def check(crm: Crm, scope: Scope) -> Scope:
    """`scope` if it names known people with at least one rep, else a user error."""
    for column, value in (("manager", scope.manager), ("team", scope.team)):
        if value is not None and value not in known(crm, column):
            raise unknown_name(column, value, known(crm, column))
    if not scope.is_everyone and int(reps_in(crm, scope).count().execute()) == 0:
        raise UserError(f"no reps in {scope.describe()}; pick a team of that manager, "
                        f"or only one of the two")
    return scope
