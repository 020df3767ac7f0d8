"""References that point at nothing, read over the tables: the import's warnings
(`io.references`), from any workspace, on any engine.

For each reference of `schema.references.REFERENCES` whose target table holds rows, the
values of `table.column` found nowhere in `target_table.target_column`:

    values   distinct unknown values          rows    rows carrying one
    first    the smallest, to look up

One query for all of them; the warnings read word for word as the import's.
"""

from __future__ import annotations

from collections.abc import Collection

import ibis
import ibis.expr.types as ir

from funnelwise.errors import Problem
from funnelwise.schema.crm import Crm
from funnelwise.schema.references import REFERENCES, Reference


def table_of(crm: Crm, name: str) -> ir.Table | None:
    table: ir.Table | None = getattr(crm, name, None)
    return table


def _unknown(crm: Crm, index: int, ref: Reference) -> ir.Table | None:
    source, target = table_of(crm, ref.table), table_of(crm, ref.target_table)
    if source is None or target is None:
        return None
    v = source.filter(source[ref.column].notnull())
    v = v.group_by(id=v[ref.column]).aggregate(n=v.count())
    u = v.anti_join(target, v.id == target[ref.target_column])
    return u.aggregate(ref=ibis.literal(index, type="int64"), values=u.count().cast("int64"),
                       rows=u.n.sum().cast("int64"), first=u.id.min().cast("string"))


def unknown_references(crm: Crm, *, filled: Collection[str]) -> list[Problem]:
    """One warning per reference with unknown values, in the order of `REFERENCES`;
    `filled`: the tables that hold rows (a reference to any other is not checked)."""
    parts = [p for i, ref in enumerate(REFERENCES) if ref.target_table in filled
             if (p := _unknown(crm, i, ref)) is not None]
    if not parts:
        return []
    frame = ibis.union(*parts).to_pandas().sort_values("ref")
    return [REFERENCES[int(r.ref)].problem(values=int(r.values), rows=int(r.rows),
                                           first=r.first)
            for r in frame.itertuples() if r.values]
