"""The import's check of references between the canonical tables, in SQL over the open
connection (an import does not load Ibis). The references, the rule and the wording are
`schema.references`; `funnelwise check` reads the same list over the tables
(`metrics.references`).
"""

from __future__ import annotations

import duckdb

from funnelwise.errors import Problem
from funnelwise.schema.references import REFERENCES


def unknown_references(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    """One warning per reference with values found nowhere in its target table (a target
    table with no rows is not checked)."""
    targets = sorted({r.target_table for r in REFERENCES})
    probes = ", ".join(f"EXISTS (SELECT 1 FROM {t})" for t in targets)
    filled = {t for t, rows in zip(targets, con.execute(f"SELECT {probes}").fetchall()[0],
                                   strict=True) if rows}
    out = []
    for ref in REFERENCES:
        if ref.target_table not in filled:
            continue
        # the rows are probed against the target's keys as they are: unknown values are
        # few, so grouping them after the join is cheaper than grouping every row before it
        values, rows, first = con.execute(
            f"SELECT count(DISTINCT s.{ref.column}), count(*), min(s.{ref.column}) "
            f"FROM {ref.table} AS s ANTI JOIN {ref.target_table} AS t "
            f"ON s.{ref.column} = t.{ref.target_column} WHERE s.{ref.column} IS NOT NULL"
        ).fetchall()[0]
        if values:
            out.append(ref.problem(values=int(values), rows=int(rows), first=first))
    return out
