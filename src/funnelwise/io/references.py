"""References between the canonical tables that point at nothing: a deal owner missing from
`reps`, an activity on a deal that is not in `opportunities`. They are warnings, counted: the
rows are kept (the reps table may come in a later import), and every metric treats them as it
documents (owners missing from reps count in their own group).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from funnelwise.errors import Problem


@dataclass(frozen=True)
class Reference:
    """`table.column` should name a `target_table.target_column`."""

    table: str
    column: str
    target_table: str
    target_column: str


REFERENCES = (
    Reference("opportunities", "owner_rep_id", "reps", "rep_id"),
    Reference("opportunities", "account_id", "accounts", "account_id"),
    Reference("opportunities", "lead_id", "leads", "lead_id"),
    Reference("activities", "rep_id", "reps", "rep_id"),
    Reference("activities", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("activities", "lead_id", "leads", "lead_id"),
    Reference("outcomes", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("outcomes", "rep_id", "reps", "rep_id"),
    Reference("stage_history", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("close_date_history", "opportunity_id", "opportunities", "opportunity_id"),
    Reference("quotas", "rep_id", "reps", "rep_id"),
    Reference("leads", "owner_rep_id", "reps", "rep_id"),
)


def unknown_references(con: duckdb.DuckDBPyConnection) -> list[Problem]:
    """One warning per reference with values found nowhere in its target table.

    A reference to a table that holds no rows at all (no accounts imported) is not checked:
    nothing could match, and that absence is said elsewhere.
    """
    filled = {r.target_table for r in REFERENCES
              if con.execute(f"SELECT 1 FROM {r.target_table} LIMIT 1").fetchall()}
    out = []
    for ref in REFERENCES:
        if ref.target_table not in filled:
            continue
        values, rows, first = con.execute(
            f"WITH v AS (SELECT {ref.column} AS id, count(*) AS n FROM {ref.table} "
            f"WHERE {ref.column} IS NOT NULL GROUP BY 1) SELECT count(*), coalesce(sum(n), 0), "
            f"min(id) FROM v ANTI JOIN {ref.target_table} AS t ON v.id = t.{ref.target_column}"
        ).fetchall()[0]
        if values:
            out.append(Problem(
                file=ref.table, row=None, column=ref.column, value=None, warning=True,
                message=f"names {int(values):,} {ref.target_column} value(s) not in "
                        f"{ref.target_table} (e.g. {first!r}), on {int(rows):,} rows",
                hint=f"import the missing {ref.target_table}, or check the ids match"))
    return out
