"""Grouping keys (`--by`) and date windows shared by all metrics.

Every metric row has a `key` (the rep, manager, team, region, product or source) and a
`parent`: the group a rep's rate is shrunk toward. A rep's parent is their team; every other
grouping's parent is the whole organisation, written `(all)`.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from funnelwise.errors import unknown_name
from funnelwise.schema.crm import Crm

ALL = "(all)"
NONE = "(none)"
REP_DIMENSIONS = ("rep", "manager", "team", "region")
OPPORTUNITY_DIMENSIONS = ("product", "source")
DIMENSIONS = ("all", *REP_DIMENSIONS, *OPPORTUNITY_DIMENSIONS)


def without(table: ir.Table, *names: str) -> ir.Table:
    """`table` less the columns `names`, the others in their order: the same SELECT list on
    every run (Ibis's `drop` of several names lists them in a set's order, so --explain's
    SQL would change with the interpreter's hash seed)."""
    return table.select(*(c for c in table.columns if c not in names))


def check_by(by: str, allowed: tuple[str, ...] = DIMENSIONS) -> str:
    if by not in allowed:
        raise unknown_name("--by", by, allowed)
    return by


def keyed(crm: Crm, table: ir.Table, *, rep_col: str, by: str) -> ir.Table:
    """`table` with `key` and `parent` columns for grouping by `by`."""
    check_by(by)
    if by == "all":
        return table.mutate(key=ibis.literal(ALL), parent=ibis.literal(ALL))
    if by in OPPORTUNITY_DIMENSIONS:
        return table.mutate(key=table[by].fill_null(NONE), parent=ibis.literal(ALL))
    reps = crm.reps.select(_rep=crm.reps.rep_id, _dim=crm.reps[by if by != "rep" else "team"])
    joined = table.left_join(reps, table[rep_col] == reps._rep)
    if by == "rep":
        out = joined.mutate(key=joined[rep_col], parent=joined._dim.fill_null(ALL))
    else:
        out = joined.mutate(key=joined._dim.fill_null(NONE), parent=ibis.literal(ALL))
    return without(out, "_rep", "_dim")


def count_if(cond: ir.BooleanValue) -> ir.IntegerScalar:
    """Number of rows where `cond` holds (portable: a sum of 0/1, cast back to int64)."""
    return ibis.ifelse(cond, 1, 0).sum().cast("int64")


def overlaps_days(first: ir.DateValue, last: ir.DateValue, start: dt.date,
                  end: dt.date) -> ir.BooleanValue:
    """Rows spanning `first` to `last` (both included, as quota rows do) that share a day with
    `start` to `end`."""
    return (last >= ibis.date(start.isoformat())) & (first <= ibis.date(end.isoformat()))


def window(col: ir.TimestampValue, since: dt.date | None, until: dt.date | None) -> ir.BooleanValue:
    """`since <= col < until + 1 day`: both dates inclusive."""
    cond = ibis.literal(True)
    if since is not None:
        cond &= col >= ibis.timestamp(dt.datetime.combine(since, dt.time()))
    if until is not None:
        end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time())
        cond &= col < ibis.timestamp(end)
    return cond


def filters(by: str, since: dt.date | None, until: dt.date | None, **extra: object) -> dict:
    out: dict[str, object] = {"by": by, "since": _iso(since), "until": _iso(until)}
    out.update(extra)
    return out


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def rep_names(crm: Crm) -> dict[str, str]:
    """rep id -> the rep's name, for reps that have one (people read 'Name (id)')."""
    r = crm.reps
    frame = r.filter(r.name.notnull()).select("rep_id", "name").to_pandas()
    return {str(i): str(n) for i, n in zip(frame["rep_id"], frame["name"], strict=True)
            if str(n).strip()}
