"""Validation of mapped rows: every problem found, located by file, row, column and value.

Checks run as SQL over the whole staged file (no per-row Python); only the problems found are
fetched, at most `LIMIT` of them, with the total counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from funnelwise.errors import Problem, did_you_mean
from funnelwise.io.sources import quote
from funnelwise.schema import TABLES, Funnel
from funnelwise.schema.tables import Column

LIMIT = 100
ISO = "expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, or set date_format in the mapping"


def parse_sql(column: str, kind: str, date_format: str | None) -> str:
    """SQL that parses the text column into its canonical type, NULL where it cannot."""
    c = quote(column)
    if kind in ("timestamp", "date"):
        parsed = (f"try_strptime({c}, '{date_format}')" if date_format
                  else f"TRY_CAST({c} AS TIMESTAMP)")
        return f"CAST({parsed} AS DATE)" if kind == "date" else parsed
    if kind == "float":
        return f"TRY_CAST({c} AS DOUBLE)"
    return c


@dataclass(frozen=True)
class Check:
    """One rule over one column: rows where `condition` holds are problems."""

    column: str
    condition: str
    message: str
    choices: tuple[str, ...] = ()


def _checks(table: str, funnel: Funnel, date_format: str | None) -> list[Check]:
    checks: list[Check] = []
    for col in TABLES[table].columns:
        checks += _column_checks(table, col, funnel, date_format)
    return checks


def _column_checks(table: str, col: Column, funnel: Funnel, fmt: str | None) -> list[Check]:
    c = quote(col.name)
    out = []
    if col.required:
        out.append(Check(col.name, f"{c} IS NULL", "is empty (this column is required)"))
    if col.kind in ("timestamp", "date"):
        msg = f"does not match date_format {fmt!r}" if fmt else f"is not a date ({ISO})"
        out.append(Check(col.name, f"{c} IS NOT NULL AND {parse_sql(col.name, col.kind, fmt)} "
                         "IS NULL", msg))
    if col.kind == "float":
        out.append(Check(col.name, f"{c} IS NOT NULL AND TRY_CAST({c} AS DOUBLE) IS NULL",
                         "is not a number (use a plain number like 1234.50)"))
        out.append(Check(col.name, f"TRY_CAST({c} AS DOUBLE) < 0", "is negative"))
    choices = col.choices
    if col.name == "stage" and table in ("opportunities", "stage_history"):
        choices = funnel.known_stages
    if choices:
        listed = ", ".join("'" + v.replace("'", "''") + "'" for v in choices)
        what = "a stage of the funnel" if col.name == "stage" else "one of " + "|".join(choices)
        out.append(Check(col.name, f"{c} IS NOT NULL AND {c} NOT IN ({listed})",
                         f"is not {what}", choices))
    return out


def find_problems(
    con: duckdb.DuckDBPyConnection, *, table: str, staged: str, funnel: Funnel,
    date_format: str | None,
) -> tuple[list[Problem], int, str]:
    """Problems in a staged table: (first LIMIT problems, total count, SQL of the bad rows).

    The third value selects `_file, _row, _problem` for every bad row, for --skip-invalid.
    """
    checks = _checks(table, funnel, date_format)
    if not checks:
        return [], 0, "SELECT NULL AS _file, NULL AS _row, NULL AS _problem WHERE false"
    parts = [
        f"SELECT _file, _row, {i} AS _check, CAST({quote(ch.column)} AS VARCHAR) AS _value "
        f"FROM {staged} WHERE {ch.condition}"
        for i, ch in enumerate(checks)
    ]
    union = " UNION ALL ".join(parts)
    total = int(con.execute(f"SELECT count(*) FROM ({union})").fetchall()[0][0])
    rows = con.execute(f"SELECT * FROM ({union}) ORDER BY _row, _check LIMIT {LIMIT}").fetchall()
    problems = [_problem(checks[i], file, row, value) for file, row, i, value in rows]
    messages = " ".join(f"WHEN {i} THEN '{ch.column}: {ch.message.replace(chr(39), '')}'"
                        for i, ch in enumerate(checks))
    bad = (f"SELECT _file, _row, string_agg(CASE _check {messages} END, '; ') AS _problem "
           f"FROM ({union}) GROUP BY _file, _row")
    return problems, total, bad


def _problem(check: Check, file: str, row: int, value: str | None) -> Problem:
    hint = ""
    if check.choices and value is not None:
        hint = did_you_mean(value, check.choices) or "known: " + ", ".join(check.choices)
    return Problem(file=file, row=int(row), column=check.column, value=value,
                   message=check.message, hint=hint)


def typed_select(table: str, staged: str, date_format: str | None) -> str:
    """SELECT casting the staged text columns to their canonical types (keeps _file, _row)."""
    cols = ", ".join(
        f"{parse_sql(c.name, c.kind, date_format)} AS {quote(c.name)}"
        for c in TABLES[table].columns
    )
    return f"SELECT {cols}, _file, _row FROM {staged}"


def duplicate_problems(
    con: duckdb.DuckDBPyConnection, *, table: str, typed: str
) -> tuple[list[Problem], int, str]:
    """Rows whose key repeats an earlier row of the same import with different values.

    Exact repeats (every column equal) carry no information and are collapsed silently.
    """
    key = ", ".join(quote(k) for k in TABLES[table].key)
    content = "hash(" + ", ".join(quote(c) for c in TABLES[table].column_names) + ")"
    over = f"OVER (PARTITION BY {key} ORDER BY _file, _row)"
    ranked = (f"SELECT *, {content} AS _hash, first({content}) {over} AS _first_hash, "
              f"first(_file || ' row ' || _row) {over} AS _first FROM {typed}")
    dups = f"SELECT * FROM ({ranked}) WHERE _hash <> _first_hash"
    total = int(con.execute(f"SELECT count(*) FROM ({dups})").fetchall()[0][0])
    first_key = TABLES[table].key[0]
    rows = con.execute(f"SELECT _file, _row, {quote(first_key)}, _first FROM ({dups}) "
                       f"ORDER BY _file, _row LIMIT {LIMIT}").fetchall()
    problems = [Problem(file=f, row=int(r), column=first_key, value=str(v),
                        message=f"repeats the key of {first} with other values",
                        hint="keep one row per key")
                for f, r, v, first in rows]
    bad = f"SELECT _file, _row, 'duplicate key' AS _problem FROM ({dups})"
    return problems, total, bad
