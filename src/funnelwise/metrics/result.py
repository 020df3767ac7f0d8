"""What a metric returns: the figures, the SQL behind them, and the filters applied."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd


@dataclass(frozen=True, init=False)
class MetricResult:
    """A metric's rows plus everything needed to trace them back (`--explain`).

    `sql` is given as text or as a function giving it (`deferred_sql`), called the first time
    the SQL is read: a metric run only to show its figures compiles its query once.
    """

    name: str
    frame: pd.DataFrame
    filters: dict[str, Any]
    notes: tuple[str, ...]
    _sql: str | Callable[[], str] = field(repr=False, compare=False)

    def __init__(self, name: str, frame: pd.DataFrame, sql: str | Callable[[], str],
                 filters: dict[str, Any], notes: tuple[str, ...] = ()) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "frame", frame)
        object.__setattr__(self, "filters", filters)
        object.__setattr__(self, "notes", notes)
        object.__setattr__(self, "_sql", sql)

    @property
    def sql(self) -> str:
        """The SQL behind the figures."""
        sql = self._sql
        if not isinstance(sql, str):
            sql = sql()
            object.__setattr__(self, "_sql", sql)
        return sql

    def records(self) -> list[dict[str, Any]]:
        """Rows as JSON-safe values (`frames.records`: None for missing, dates as ISO text)."""
        from funnelwise.frames import records

        return records(self.frame)


def sql_of(expr: ir.Expr) -> str:
    """The SQL an expression compiles to on its own backend."""
    import ibis

    try:
        return str(ibis.to_sql(expr))
    except Exception:  # a backend without a SQL dialect still runs the expression
        return "(this backend does not expose SQL)"


def numbered(text: str, expr: ir.Expr) -> str:
    """`text` (the SQL of `expr`) with its in-memory tables' generated names, which differ on
    every run, numbered as they appear: `rows_1`, `rows_2`..."""
    import ibis.expr.operations as ops

    names = {t.name for t in expr.op().find(ops.InMemoryTable)}
    for i, name in enumerate(sorted((n for n in names if n in text), key=text.find), 1):
        text = text.replace(name, f"rows_{i}")
    return text


def explained_sql(expr: ir.Expr) -> str:
    """The SQL --explain shows for `expr`: `sql_of`, the same on every run."""
    return numbered(sql_of(expr), expr)


def deferred_sql(expr: ir.Expr) -> Callable[[], str]:
    """`explained_sql(expr)`, compiled when first called (for `MetricResult.sql`)."""
    return partial(explained_sql, expr)


def sql_reading(expr: ir.Expr, views: dict[str, ir.Expr] | None = None) -> str:
    """`sql_of(expr)`, runnable on its own although it reads in-memory tables: one that
    `views` names (in-memory table -> the query it was fetched from) is read as that query
    again; any other (a small lookup table) becomes a common table expression of its rows."""
    import ibis.expr.operations as ops
    import sqlglot
    from sqlglot import exp

    views = views or {}
    swap = {t: views[t.name].op() for t in expr.op().find(ops.InMemoryTable) if t.name in views}
    if swap:
        expr = expr.op().replace(swap).to_expr()
    text = sql_of(expr)
    tables = {t.name: t for t in expr.op().find(ops.InMemoryTable)}
    if not tables:
        return text
    try:
        dialect = expr.get_backend().compiler.dialect
        tree = sqlglot.parse_one(text, read=dialect)
    except Exception:  # a backend without a SQL dialect: the text as compiled
        return text
    ctes = [exp.CTE(this=_rows_of(table),
                    alias=exp.TableAlias(this=exp.to_identifier(name, quoted=True)))
            for name, table in tables.items()]
    key = "with_" if "with_" in tree.arg_types else "with"
    existing = tree.args.get(key)
    if existing is None:
        tree.set(key, exp.With(expressions=ctes))
    else:
        existing.set("expressions", [*ctes, *existing.expressions])
    return numbered(tree.sql(dialect=dialect, pretty=True), expr)


def _rows_of(table: Any) -> Any:
    """SELECT * FROM (VALUES ...) with an in-memory table's rows and column names."""
    from sqlglot import exp

    frame = table.data.to_frame()
    rows = [tuple(row) for row in frame.astype(object).itertuples(index=False)]
    return exp.select("*").from_(exp.values(rows, alias="t", columns=list(frame.columns)))
