"""A mapping file's SQL fragments, checked against an allow-list and re-rendered before they run.

A mapping's `where` and `[tables.expressions]` are SQL written by whoever wrote the mapping,
and they run inside funnelwise's import. So they are parsed (sqlglot, DuckDB dialect), every
node of the tree must be on the allow-list below, and what runs is the tree rendered again,
never the text as written: a fragment can read the columns of one source row and compute with
them, and nothing else (no second statement, query, file reader, aggregate or window).

    >>> check_fragment('coalesce("Amount", 0) * 2', where="m.toml", key="expressions.amount").sql
    'COALESCE("Amount", 0) * 2'
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from funnelwise.errors import UserError, did_you_mean

DIALECT = "duckdb"
LOOKUP = "lookup"

FUNCTIONS: dict[str, type[exp.Expression]] = {
    "coalesce": exp.Coalesce, "ifnull": exp.Coalesce, "nullif": exp.Nullif, "if": exp.If,
    "lower": exp.Lower, "upper": exp.Upper, "trim": exp.Trim, "ltrim": exp.Trim,
    "rtrim": exp.Trim, "replace": exp.Replace, "substring": exp.Substring,
    "substr": exp.Substring, "left": exp.Left, "right": exp.Right, "length": exp.Length,
    "concat": exp.Concat, "split_part": exp.SplitPart, "starts_with": exp.StartsWith,
    "ends_with": exp.EndsWith, "contains": exp.Contains, "regexp_replace": exp.RegexpReplace,
    "regexp_matches": exp.RegexpLike, "abs": exp.Abs, "round": exp.Round, "floor": exp.Floor,
    "ceil": exp.Ceil, "greatest": exp.Greatest, "least": exp.Least,
    "strptime": exp.StrToTime, "try_strptime": exp.Anonymous, "strftime": exp.TimeToStr,
    "date_trunc": exp.TimestampTrunc, LOOKUP: exp.Anonymous,
}
"""The scalar functions a fragment may call, and the sqlglot node each one parses to."""

_FUNCTION_NODES = {node for node in FUNCTIONS.values() if node is not exp.Anonymous} | {
    exp.DateTrunc}
_ANONYMOUS = {name for name, node in FUNCTIONS.items() if node is exp.Anonymous}

_STRUCTURE: tuple[type[exp.Expression], ...] = (
    exp.Identifier, exp.Literal, exp.Boolean, exp.Null, exp.Paren,
    exp.Neg, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.Pow,
    exp.EQ, exp.NEQ, exp.GT, exp.GTE, exp.LT, exp.LTE, exp.NullSafeEQ, exp.NullSafeNEQ,
    exp.Not, exp.And, exp.Or, exp.DPipe, exp.Is, exp.Like, exp.ILike, exp.Escape,
    exp.Between, exp.Case, exp.Cast, exp.TryCast, exp.DataTypeParam,
)
"""Operators and leaves allowed anywhere (columns, IN lists, types and `lookup` are checked
one by one)."""

T = exp.DataType.Type
SCALAR_TYPES = {
    T.VARCHAR, T.TEXT, T.CHAR, T.BPCHAR, T.BOOLEAN, T.TINYINT, T.SMALLINT, T.INT, T.BIGINT,
    T.INT128, T.UTINYINT, T.USMALLINT, T.UINT, T.UBIGINT, T.FLOAT, T.DOUBLE, T.DECIMAL,
    T.DATE, T.TIME, T.TIMESTAMP, T.TIMESTAMPTZ, T.INTERVAL,
}
"""Types a CAST or TRY_CAST may convert to: text, numbers, booleans, dates and times."""

_STAR = "a fragment names each source header it reads, in double quotes, instead of *"
_READERS = ("read_", "glob", "parquet_", "sniff_", "query", "getenv", "getvariable")


@dataclass(frozen=True)
class Fragment:
    """A mapping's SQL fragment that passed the allow-list.

    `sql` is the DuckDB rendering of the checked tree (comments dropped, every column
    double-quoted): the text that runs. `columns` are the source headers it reads, in order of
    first use; `lookups` the names of the `[[lookups]]` it calls, in order of first use.
    """

    sql: str
    tree: exp.Expression
    columns: tuple[str, ...]
    lookups: tuple[str, ...]


def check_fragment(text: str, *, where: str, key: str) -> Fragment:
    """Parse `text`, refuse anything off the allow-list, and return the fragment re-rendered.

    `where` names the mapping file and its entry, `key` the setting (`where`,
    `expressions.amount`); both open every error message.
    """
    tree = _parse(text, where=f"{where}, {key}")
    for node in _walk(tree):
        reason = _refusal(node)
        if reason:
            raise UserError(f"{where}, {key}: {_piece(node)!r} is not allowed: {reason}")
    return _fragment(tree)


def referenced_columns(sql: str) -> tuple[str, ...]:
    """The source headers an accepted fragment reads, in order of first use.

    A lookup's name is not a column: `lookup('list_price', "Product")` reads `Product`.
    """
    return check_fragment(sql, where="SQL fragment", key=repr(sql)).columns


def is_lookup(node: exp.Expression) -> bool:
    """The node is a call `lookup('name', expression)`."""
    return isinstance(node, exp.Anonymous) and node.name.lower() == LOOKUP


def _parse(text: str, *, where: str) -> exp.Expression:
    _refuse_semicolons(text, where=where)
    try:
        with _quiet():
            trees = sqlglot.parse(text, read=DIALECT)
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0]
        raise UserError(f"{where}: {text!r} is not a SQL expression that can be read "
                        f"({first}); quote source headers in double quotes and text in single "
                        "quotes") from exc
    if len(trees) != 1 or not isinstance(trees[0], exp.Expression):
        raise UserError(f"{where}: {text!r} is not one SQL expression; write one, "
                        "e.g. 'coalesce(\"Amount\", 0)'")
    return trees[0]


def _walk(tree: exp.Expression, *, bfs: bool = True) -> Iterator[exp.Expression]:
    """Every node of the tree (breadth first by default, else in reading order)."""
    for node in tree.walk(bfs=bfs):
        if isinstance(node, exp.Expression):
            yield node


@contextmanager
def _quiet() -> Iterator[None]:
    """Keep sqlglot's log quiet: its fallbacks on statements (refused anyway) and its notes on
    regexp flags DuckDB lacks would print in the middle of a command's output."""
    logger = logging.getLogger("sqlglot")
    before, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = before


def _refuse_semicolons(text: str, *, where: str) -> None:
    try:
        tokens = Dialect.get_or_raise(DIALECT).tokenize(text)
    except TokenError as exc:
        raise UserError(f"{where}: {text!r} cannot be read as SQL ({exc}); "
                        "check its quotes") from exc
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            rest = text[token.end + 1:].strip()
            after = f"; {rest!r} follows it" if rest else ""
            raise UserError(f"{where}: ';' is not allowed: a fragment is one SQL expression"
                            f"{after}. Remove the ';' and everything after it")


def _refusal(node: exp.Expression) -> str | None:
    """Why `node` may not appear in a fragment, or None when it may."""
    if isinstance(node, _STRUCTURE):
        return None
    check = _CHECKS.get(type(node))
    if check:
        return check(node)
    if isinstance(node, (exp.Func, exp.Window)):
        return _function_refusal(node)
    return _other_refusal(node)


def _column_refusal(node: exp.Expression) -> str | None:
    if isinstance(node.this, exp.Star):
        return _STAR
    if node.args.get("table"):
        return f"name a column by its source header alone, in double quotes: \"{node.name}\""
    return None


def _in_refusal(node: exp.Expression) -> str | None:
    items = node.expressions
    listed = bool(items) and all(_is_literal(i) for i in items)
    if not listed or any(node.args.get(k) for k in ("query", "unnest", "field")):
        return "IN takes a list of literal values, e.g. \"Stage\" IN ('Won', 'Lost')"
    return None


def _is_literal(node: exp.Expression) -> bool:
    if isinstance(node, exp.Neg):
        return isinstance(node.this, exp.Literal) and node.this.is_number
    return isinstance(node, (exp.Literal, exp.Boolean, exp.Null))


def _type_refusal(node: exp.Expression) -> str | None:
    if node.this in SCALAR_TYPES:
        return None
    return ("a CAST may only convert to text, a number, a boolean, a date, a time, a "
            "timestamp or an interval (VARCHAR, BIGINT, DOUBLE, DECIMAL, BOOLEAN, DATE, ...)")


def _unit_refusal(node: exp.Expression) -> str | None:
    if node.arg_key == "unit" and isinstance(node.parent, (exp.TimestampTrunc, exp.DateTrunc)):
        return None
    return "a bare word is not allowed here; quote source headers in double quotes"


def _function_refusal(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Window):
        return "a window function (OVER ...) reads other rows; a fragment sees one source row"
    if isinstance(node, exp.AggFunc):
        return f"{_name(node)} is an aggregate function; a fragment sees one source row"
    if type(node) in _FUNCTION_NODES:
        return None
    if isinstance(node, exp.Anonymous) and node.name.lower() in _ANONYMOUS:
        return _lookup_refusal(node) if is_lookup(node) else None
    name = _name(node)
    if name.startswith(_READERS):
        return (f"{name} reads files, tables or settings, which a mapping may not do; "
                "to take a value from another imported file, declare a [[lookups]] entry")
    hint = did_you_mean(name, FUNCTIONS)
    return (f"{name} is not among the functions a mapping may call"
            f"{' (' + hint + ')' if hint else ''}; allowed: {', '.join(sorted(FUNCTIONS))}")


def _lookup_refusal(node: exp.Expression) -> str | None:
    args = node.expressions
    if len(args) == 2 and isinstance(args[0], exp.Literal) and args[0].is_string:
        return None
    return ("lookup takes a lookup's name in single quotes and one expression, "
            "e.g. lookup('list_price', \"Product\")")


def _other_refusal(node: exp.Expression) -> str:
    if isinstance(node, (exp.Query, exp.Subquery)):
        return ("a fragment cannot run queries; to take a value from another imported file, "
                "declare a [[lookups]] entry and call lookup('name', \"Header\")")
    if isinstance(node, (exp.Star, exp.Columns)):
        return _STAR
    if isinstance(node, (exp.Placeholder, exp.Parameter, exp.SessionParameter)):
        return "a fragment cannot use parameters or variables; write the value itself"
    statement = node.parent is None and not isinstance(node, (exp.Condition, exp.Alias))
    if statement or isinstance(node, (exp.DDL, exp.DML, exp.Command, exp.Drop, exp.Alter)):
        return "a fragment is one expression over a source row, not a statement"
    return (f"{node.key} is not on the allow-list of mapping SQL (columns, literals, "
            "operators, CASE, CAST and the functions listed in docs/importing.md)")


_CHECKS: dict[type[exp.Expression], Callable[[exp.Expression], str | None]] = {
    exp.Column: _column_refusal, exp.In: _in_refusal, exp.DataType: _type_refusal,
    exp.Var: _unit_refusal,
}


def _name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    return node.sql_name().lower() if isinstance(node, exp.Func) else node.key


def _piece(node: exp.Expression) -> str:
    text = node.sql(dialect=DIALECT)
    return text if len(text) <= 80 else text[:77] + "..."


def _fragment(tree: exp.Expression) -> Fragment:
    columns: list[str] = []
    lookups: list[str] = []
    for node in _walk(tree, bfs=False):
        node.pop_comments()
        if isinstance(node, exp.Column):
            node.this.set("quoted", True)
            columns.append(node.name)
        elif is_lookup(node):
            lookups.append(node.expressions[0].name)
    with _quiet():
        sql = tree.sql(dialect=DIALECT)
    return Fragment(sql=sql, tree=tree, columns=tuple(dict.fromkeys(columns)),
                    lookups=tuple(dict.fromkeys(lookups)))
