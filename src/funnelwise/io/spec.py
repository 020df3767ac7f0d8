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
from funnelwise.io.sources import RawFile, literal, quote
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
    strict_headers: bool = False
    """Headers are the canonical names themselves: an unknown one close to a name is a typo."""
    fallback: bool = False
    """Used only when no other spec of the same table found a file (reps derived from deal
    owners when the export has no user table)."""

    def matches(self, raw: RawFile) -> bool:
        return fnmatch.fnmatch(raw.path.name.lower(), self.file.lower())


def identity_spec(table: str) -> TableSpec:
    """The canonical layout: `<table>.csv` whose headers are the canonical column names."""
    cols = {c: (c,) for c in TABLES[table].column_names}
    return TableSpec(table=table, file=f"{table}.*", columns=cols, optional=True,
                     strict_headers=True)


def _value_map(expr: str, mapping: Mapping[str, str]) -> str:
    cases = " ".join(
        f"WHEN {literal(src)} THEN {literal(dst)}" for src, dst in mapping.items() if src != DEFAULT
    )
    fallback = literal(mapping[DEFAULT]) if DEFAULT in mapping else expr
    return f"CASE {expr} {cases} ELSE {fallback} END" if cases else fallback


def column_sql(
    spec: TableSpec, raw: RawFile, column: str, others: Mapping[str, RawFile]
) -> tuple[str, Problem | None]:
    """SQL text for one canonical column (`NULL` when the source lacks it), and any problem."""
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
            expr = f"NULLIF(trim(CAST(src.{quote(header)} AS VARCHAR)), '')"
    else:
        expr = "NULL"
    if column in spec.values and expr != "NULL":
        expr = _value_map(expr, spec.values[column])
    return expr, problem


def _missing(spec: TableSpec, raw: RawFile, column: str) -> Problem:
    wanted = spec.columns[column]
    hint = did_you_mean(wanted[0], raw.columns) or "map it in a --mapping file"
    return Problem(file=raw.label, row=None, column=column, value=None,
                   message=f"column is missing (looked for {', '.join(wanted)})", hint=hint)


@dataclass(frozen=True)
class Selected:
    """A part of an import: the SELECT of one file's canonical text columns (with `_part` and,
    when located, `_row`), the columns the file really carries, and what is missing."""

    sql: str
    present: frozenset[str]
    problems: tuple[Problem, ...]


def select_sql(
    spec: TableSpec, raw: RawFile, others: Mapping[str, RawFile], *, part: int, located: bool
) -> Selected:
    """SELECT producing the canonical columns as text, `_part` and, when `raw` is
    materialised (`located`), `_row`, the data row.

    The source is aliased `src`, so expressions may use correlated lookups. A column the file
    does not carry is `NULL` and not `present`: a re-import leaves the stored values alone.
    """
    cols, problems, present = [], [], set()
    for column in TABLES[spec.table].column_names:
        expr, problem = column_sql(spec, raw, column, others)
        cols.append(f"CAST({expr} AS VARCHAR) AS {quote(column)}")
        if expr != "NULL":
            present.add(column)
        if problem:
            problems.append(problem)
    where = f" WHERE {spec.where}" if spec.where else ""
    row = ", CAST(src.rowid + 1 AS BIGINT) AS _row" if located else ""
    sql = f"SELECT {', '.join(cols)}, {part} AS _part{row} FROM {raw.table} AS src{where}"
    if spec.distinct:
        key = ", ".join(quote(k) for k in TABLES[spec.table].key)
        order = "_row" if located else ", ".join(quote(c) for c in TABLES[spec.table].column_names)
        sql = (f"SELECT * FROM ({sql}) WHERE {quote(TABLES[spec.table].key[0])} IS NOT NULL "
               f"QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY {order}) = 1")
    return Selected(sql=sql, present=frozenset(present), problems=tuple(problems))
