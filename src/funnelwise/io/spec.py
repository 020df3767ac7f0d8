"""How source files become canonical tables: a declaration per table, compiled to SQL.

A `TableSpec` says which file feeds a canonical table and, per canonical column, which source
header(s) hold it (the first one present wins, matched ignoring case, spaces and underscores),
or a SQL expression over source columns, plus value maps (`Won` -> `won`). Presets and user
mapping files are both lists of `TableSpec`s, so every importer shares one validation path.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from funnelwise.errors import Problem, did_you_mean
from funnelwise.io.sources import RawFile, quote
from funnelwise.schema import TABLES

DEFAULT = "*"
Expression = Callable[[RawFile, Mapping[str, RawFile]], str]
"""Builds a SQL expression from the source file and the other loaded files (for lookups)."""


@dataclass(frozen=True)
class TableSpec:
    """One canonical table fed from one source file.

    `columns` maps a canonical column to candidate source headers; `expressions` to a SQL
    expression over quoted source headers; `values` to a value map applied after either
    (`"*"` is the default for values not listed; unlisted values pass through unchanged).
    `distinct` keeps one row per key (a reps table derived from deal owners, say).
    """

    table: str
    file: str
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    expressions: Mapping[str, str | Expression] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    date_format: str | None = None
    where: str | None = None
    distinct: bool = False
    optional: bool = False

    def matches(self, raw: RawFile) -> bool:
        return fnmatch.fnmatch(raw.path.name.lower(), self.file.lower())


def identity_spec(table: str) -> TableSpec:
    """The canonical layout: `<table>.csv` whose headers are the canonical column names."""
    cols = {c: (c,) for c in TABLES[table].column_names}
    return TableSpec(table=table, file=f"{table}.*", columns=cols, optional=True)


def _value_map(expr: str, mapping: Mapping[str, str]) -> str:
    cases = " ".join(
        f"WHEN {_lit(src)} THEN {_lit(dst)}" for src, dst in mapping.items() if src != DEFAULT
    )
    fallback = _lit(mapping[DEFAULT]) if DEFAULT in mapping else expr
    return f"CASE {expr} {cases} ELSE {fallback} END" if cases else fallback


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def column_sql(
    spec: TableSpec, raw: RawFile, column: str, others: Mapping[str, RawFile]
) -> tuple[str, Problem | None]:
    """SQL text for one canonical column (NULL when the source lacks it), and any problem."""
    problem = None
    if column in spec.expressions:
        given = spec.expressions[column]
        expr = given if isinstance(given, str) else given(raw, others)
    elif column in spec.columns:
        header = raw.find(*spec.columns[column])
        if header is None:
            expr = "NULL"
            if TABLES[spec.table].column(column).required:
                problem = _missing(spec, raw, column)
        else:
            expr = f"NULLIF(trim(CAST({quote(header)} AS VARCHAR)), '')"
    else:
        expr = "NULL"
    if column in spec.values and expr != "NULL":
        expr = _value_map(expr, spec.values[column])
    return f"CAST({expr} AS VARCHAR) AS {quote(column)}", problem


def _missing(spec: TableSpec, raw: RawFile, column: str) -> Problem:
    wanted = spec.columns[column]
    hint = did_you_mean(wanted[0], raw.columns) or "map it in a --mapping file"
    return Problem(file=raw.label, row=None, column=column, value=None,
                   message=f"column is missing (looked for {', '.join(wanted)})", hint=hint)


def select_sql(
    spec: TableSpec, raw: RawFile, others: Mapping[str, RawFile]
) -> tuple[str, list[Problem]]:
    """SELECT producing the canonical columns as text, plus `_file` and `_row`.

    The source table is aliased `src`, so expressions may use correlated lookups.
    """
    parts, problems = [], []
    for column in TABLES[spec.table].column_names:
        sql, problem = column_sql(spec, raw, column, others)
        parts.append(sql)
        if problem:
            problems.append(problem)
    where = f" WHERE {spec.where}" if spec.where else ""
    sql = (f"SELECT {', '.join(parts)}, {_lit(raw.label)} AS _file, "
           f"CAST(src.rowid + 1 AS BIGINT) AS _row FROM {raw.table} AS src{where}")
    if spec.distinct:
        key = ", ".join(quote(k) for k in TABLES[spec.table].key)
        sql = (f"SELECT * FROM ({sql}) WHERE {TABLES[spec.table].key[0]} IS NOT NULL "
               f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _row) = 1")
    return sql, problems
