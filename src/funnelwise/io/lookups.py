"""Lookups: a mapping takes a value from another imported file, as the maven preset's list price.

    [[lookups]]
    name = "list_price"
    file = "products.csv"               # glob, case-insensitive; the file is imported alongside
    key = "Product"                     # header in that file holding the key
    value = "Sales_Price"               # header in that file holding the value
    match = "ignore_case_and_spaces"    # or "exact" (the default)

An expression then calls `lookup('list_price', "Product")`: the `Sales_Price` of the row of
products.csv whose `Product` matches this source row's `Product`; NULL when no row matches
(or the source value is NULL). A key repeated with different values stops the import. The
mapping only names the lookup: funnelwise writes its SQL, once the files are loaded.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlglot import exp

from funnelwise.errors import UserError, did_you_mean
from funnelwise.io.sources import RawFile, quote
from funnelwise.io.sql_fragment import DIALECT, Fragment, is_lookup

MATCHES: dict[str, Callable[[str], str]] = {
    "exact": lambda sql: sql,
    "ignore_case_and_spaces": lambda sql: f"replace(lower({sql}), ' ', '')",
}
"""How a lookup compares keys: as written, or lower-cased with every space removed
(`GTX Pro` = `gtxpro`), the way the maven preset matches product names."""


@dataclass(frozen=True)
class Lookup:
    """One `[[lookups]]` entry: `value` of the row of `file` whose `key` matches.

    `file` is a lower-case glob; `origin` says where the entry was declared, for messages.
    """

    name: str
    file: str
    key: str
    value: str
    match: str = "exact"
    origin: str = ""

    def subquery(self, key_sql: str, others: Mapping[str, RawFile]) -> str:
        """SQL of the looked-up value for a key given as SQL over the source row `src`.

        Rows of the lookup file that repeat a key with the same value are harmless; a key
        with different values stops the import (which one was meant cannot be told).
        """
        table = self.source(others)
        key, value = self._header(table, self.key), self._header(table, self.value)
        same = MATCHES[self.match]
        k, v = f"l.{quote(key)}", f"l.{quote(value)}"
        clash = _text(f"{self.origin}: {table.label} has different {value} values for {key} ")
        fix = _text(f"; keep one row per {key} in {table.label}")
        return (f"(SELECT CASE WHEN count(DISTINCT {v}) > 1 "
                f"THEN error({clash} || any_value({k}) || {fix}) ELSE any_value({v}) END "
                f"FROM {table.table} AS l "
                f"WHERE {same(k)} = {same(f'CAST({key_sql} AS VARCHAR)')})")

    def source(self, others: Mapping[str, RawFile]) -> RawFile:
        """The one loaded file matching `file`."""
        found = {r.label: r for r in others.values() if fnmatch.fnmatch(r.label.lower(),
                                                                        self.file)}
        if len(found) != 1:
            given = ", ".join(sorted(r.label for r in others.values())) or "none"
            what = "no file matches" if not found else "several files match"
            raise UserError(f"{self.origin}: {what} file = {self.file!r} (given: {given}); "
                            "name exactly one imported file")
        return next(iter(found.values()))

    def _header(self, table: RawFile, name: str) -> str:
        header = table.find(name)
        if header is None:
            hint = did_you_mean(name, table.columns)
            raise UserError(f"{self.origin}: {table.label} has no header {name!r}"
                            f"{' (' + hint + ')' if hint else ''}; its headers: "
                            f"{', '.join(table.columns)}")
        return header


@dataclass(frozen=True)
class WithLookups:
    """A checked expression that calls `lookup(...)`, compiled once the files are loaded.

    Called as a spec `Expression` (source file, loaded files) -> SQL: each lookup call becomes
    the lookup's subquery over its file, correlated with the source row `src`. The subquery is
    SQL funnelwise writes (quoted headers, the loaded file, the checked key expression), set
    into the checked tree as text so the loaded file's SQL is never re-parsed.
    """

    fragment: Fragment
    lookups: Mapping[str, Lookup]

    @property
    def sql(self) -> str:
        """The checked fragment as written, lookup calls included."""
        return self.fragment.sql

    def __call__(self, raw: RawFile, others: Mapping[str, RawFile]) -> str:
        return self._expand(self.fragment.tree, others).sql(dialect=DIALECT)

    def _expand(self, tree: exp.Expr, others: Mapping[str, RawFile]) -> exp.Expr:
        def swap(node: exp.Expr) -> exp.Expr:
            if not (isinstance(node, exp.Expression) and is_lookup(node)):
                return node
            name, key = node.expressions
            key_sql = _on_source_row(self._expand(key, others)).sql(dialect=DIALECT)
            return exp.Var(this=self.lookups[name.name].subquery(key_sql, others))

        return tree.transform(swap)


def _text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _on_source_row(tree: exp.Expr) -> exp.Expr:
    """Columns not yet qualified read the source row `src` (not the lookup file's row)."""
    for column in tree.find_all(exp.Column):
        if not column.args.get("table"):
            column.set("table", exp.to_identifier("src"))
    return tree
