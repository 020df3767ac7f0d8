"""Validation of mapped rows, as SQL that stages and checks them in the same pass.

Each canonical table is staged by one statement that reads its source files once, parses every
text cell into its canonical type and sets one bit per failed check in `_bad`. On the usual path
(nothing wrong) that is the only full read: a look at `bit_or(_bad)` says so. Only when a bit is
set are the rows located (file, row, value), grouped per check: "842 rows of
opportunities.csv, column stage: 'won' is not a stage of the funnel".

Checks come from the canonical schema (required, dates, numbers, choices), from the settings
(the plausible years and amounts) and from the rules between columns (a deal closed before it
was created, won without `closed_at`, open with one, a quota that ends before it starts).
A check may be a warning: counted and said, never a reason to refuse.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import duckdb

from funnelwise.errors import Problem, did_you_mean
from funnelwise.io.sources import literal, quote
from funnelwise.io.vocabulary import typo_of
from funnelwise.schema import TABLES, Funnel
from funnelwise.schema.tables import Column

SHOWN = 5
ISO = "expected YYYY-MM-DD or YYYY-MM-DD HH:MM:SS, or set date_format in the mapping"
OFFSET = r"(Z|[+-]\d\d(:?\d\d)?)$"


@dataclass(frozen=True)
class Settings:
    """What an import accepts beyond types: plausible years and amounts, and the checks the
    user chose to accept (`--accept NAME`: rows kept as they are, counted as a warning)."""

    earliest_year: int = 1900
    latest_year: int = 2100
    max_amount: float = 1e15
    accept: frozenset[str] = field(default_factory=frozenset)
    captured: dt.date | None = None
    """The day the imported export shows the CRM as of (its snapshot's day; default: the day
    the import runs)."""


@dataclass(frozen=True)
class Check:
    """One rule: rows where `condition` holds fail it. `condition` reads the text cells by
    their column name and the parsed ones through `typed(name)`."""

    name: str
    column: str
    condition: str
    message: str
    hint: str = ""
    choices: tuple[str, ...] = ()
    warning: bool = False


ACCEPTABLE = ("closed-before-created",)
"""Checks `--accept` can turn into warnings: data loads that stamp creation after the close."""


def typed(column: str) -> str:
    """The parsed value of a text column, inside a staging statement."""
    return quote(f"__t_{column}")


def parse_sql(expr: str, kind: str, date_format: str | None) -> str:
    """SQL parsing text `expr` into its canonical type, NULL where it cannot.

    Date-times with an offset (`2026-01-05T10:00:00+02:00`, `...Z`) are converted to UTC;
    without one they are taken as written.
    """
    if kind in ("timestamp", "date"):
        if date_format:
            parsed = f"try_strptime({expr}, {literal(date_format)})"
        else:
            # beyond `YYYY-MM-DD HH:MM:SS` (19), or `...HH:MM+hh` (a sign 3 from the end)
            longer = (f"(length({expr}) > 19 OR (length({expr}) > 16 AND "
                      f"{expr}[-3] IN ('+', '-')))")
            parsed = (f"CASE WHEN {longer} AND regexp_matches({expr}, '{OFFSET}') THEN "
                      f"timezone('UTC', TRY_CAST({expr} AS TIMESTAMPTZ)) "
                      f"ELSE TRY_CAST({expr} AS TIMESTAMP) END")
        return f"CAST({parsed} AS DATE)" if kind == "date" else f"CAST({parsed} AS TIMESTAMP)"
    if kind == "float":
        return f"TRY_CAST({expr} AS DOUBLE)"
    return expr


def checks(table: str, funnel: Funnel, settings: Settings) -> list[Check]:
    """Every check of a canonical table, in a fixed order (a check's bit is its position)."""
    out: list[Check] = []
    for col in TABLES[table].columns:
        out += _column_checks(table, col, funnel, settings)
    out += RULES.get(table, ())
    return [_accepted(c, settings) for c in out]


def _accepted(check: Check, settings: Settings) -> Check:
    if check.name in settings.accept:
        return Check(check.name, check.column, check.condition, check.message,
                     f"accepted with --accept {check.name}", check.choices, warning=True)
    return check


def _column_checks(table: str, col: Column, funnel: Funnel, settings: Settings) -> list[Check]:
    c, t = quote(col.name), typed(col.name)
    out = []
    if col.required:
        out.append(Check("required", col.name, f"{c} IS NULL",
                         "is empty (this column is required)"))
    if col.kind in ("timestamp", "date"):
        out.append(Check("date", col.name, f"{c} IS NOT NULL AND {t} IS NULL",
                         "is not a date", ISO))
        low, high = settings.earliest_year, settings.latest_year
        out.append(Check("years", col.name,
                         f"{t} < DATE '{low:04d}-01-01' OR {t} >= DATE '{high + 1:04d}-01-01'",
                         f"is outside the years {low}-{high}",
                         "a typo? Another range: --years FROM-TO"))
    if col.kind == "float":
        out += _number_checks(col.name, c, t, settings)
    choices = col.choices
    stage = col.name == "stage" and table in ("opportunities", "stage_history")
    if stage:
        choices = funnel.known_stages
    if choices:
        what = "a stage of the funnel" if stage else "one of " + "|".join(choices)
        out.append(Check("stage" if stage else "choice", col.name,
                         f"{t} IS NOT NULL AND {t} NOT IN ({', '.join(map(literal, choices))})",
                         f"is not {what}", choices=choices))
    return out


def _number_checks(name: str, c: str, t: str, settings: Settings) -> list[Check]:
    return [
        Check("number", name, f"{c} IS NOT NULL AND {t} IS NULL", "is not a number",
              "use a plain number like 1234.50: no currency sign or thousands separator"),
        Check("finite", name, f"{t} IS NOT NULL AND NOT isfinite({t})",
              "is not a finite number", "give the amount, or leave the cell empty"),
        Check("negative", name, f"isfinite({t}) AND {t} < 0", "is negative"),
        Check("absurd", name, f"isfinite({t}) AND {t} > {settings.max_amount:g}",
              f"is beyond {settings.max_amount:g}, not a plausible amount",
              "a unit or typing error?"),
    ]


PERIOD_PATTERN = r"^\d{4}(-[Qq][1-4]|-\d{1,2})?$"
"""A quarter, month or year label (`funnelwise.periods.parse_period` reads it)."""


def _t(column: str) -> str:
    return typed(column)


RULES: dict[str, tuple[Check, ...]] = {
    "opportunities": (
        Check("closed-before-created", "closed_at",
              f"{_t('closed_at')} < {_t('created_at')}", "is before the deal's created_at",
              "fix the dates; if creation dates are when the data was loaded, "
              "--accept closed-before-created imports them as they are"),
        Check("won-without-close", "closed_at",
              f"{_t('status')} = 'won' AND {_t('closed_at')} IS NULL",
              "is empty but the deal is won", "give the date it was won"),
        Check("lost-without-close", "closed_at",
              f"{_t('status')} = 'lost' AND {_t('closed_at')} IS NULL",
              "is empty but the deal is lost: it counts in no date window",
              warning=True),
        Check("open-with-close", "closed_at",
              f"{_t('status')} = 'open' AND {_t('closed_at')} IS NOT NULL",
              "is set but the deal is open",
              "a closed deal has status won or lost; an open one no closed_at"),
    ),
    "forecast_calls": (
        Check("period", "period",
              f"NOT regexp_matches({_t('period')}, '{PERIOD_PATTERN}')",
              "is not a period", "write it like 2026-Q3, 2026-07 or 2026"),
    ),
    "quotas": (
        Check("quota-ends-first", "period_end",
              f"{_t('period_end')} < {_t('period_start')}", "is before period_start",
              "swap the two dates?"),
    ),
}


# ---------------------------------------------------------------- staging


@dataclass(frozen=True)
class Part:
    """One source file's rows for a table: its SELECT of canonical text columns (with
    `_part`, and `_row` when located) and its date format."""

    sql: str
    date_format: str | None = None


def _parsed(table: str, part: Part, values: Mapping[str, Mapping[str, str]]) -> str:
    """The part with each column's parsed value beside its text."""
    cols = []
    for col in TABLES[table].columns:
        expr = quote(col.name)
        if col.name in values:
            expr = _recode(expr, values[col.name])
        elif col.choices:
            expr = choice_sql(expr)
        cols.append(f"{parse_sql(expr, col.kind, part.date_format)} AS {typed(col.name)}")
    return f"SELECT *, {', '.join(cols)} FROM ({part.sql})"


def choice_sql(expr: str) -> str:
    """A value of a fixed vocabulary as written by people: any case, spaces or hyphens for
    underscores (`Best Case`, `best-case` are `best_case`; `Won` is `won`)."""
    return f"regexp_replace(lower({expr}), '[ -]+', '_', 'g')"


def _recode(expr: str, mapping: Mapping[str, str]) -> str:
    """The user's spellings of a value recoded to the canonical ones (`won` -> `Closed Won`)."""
    cases = " ".join(f"WHEN {literal(a)} THEN {literal(b)}" for a, b in mapping.items())
    return f"CASE {expr} {cases} ELSE {expr} END" if cases else expr


def stage_sql(table: str, parts: Sequence[Part], found: Sequence[Check], *,
              values: Mapping[str, Mapping[str, str]], located: bool,
              stages_later: bool = False) -> str:
    """SELECT of a table's canonical typed columns from its parts, with `_bad` (one bit per
    failed check, in the order of `found`), `_part` and, when located, `_row`.

    With `stages_later`, stage names are left as written and unchecked: the funnel is
    resolved from the staged data, then `stage_updates` recodes and checks them."""
    union = " UNION ALL ".join(_parsed(table, p, values) for p in parts)
    flags = " | ".join(f"(CASE WHEN {ch.condition} THEN {1 << i} ELSE 0 END)::BIGINT"
                       for i, ch in enumerate(found)
                       if not (stages_later and ch.name == "stage")) or "0::BIGINT"
    cols = ", ".join(f"{typed(c.name)} AS {quote(c.name)}" for c in TABLES[table].columns)
    extra = ""
    if located:
        extra = ", _row, " + ", ".join(f"{quote(c)} AS {text(c)}"
                                       for c in TABLES[table].column_names)
    return f"SELECT {cols}, ({flags}) AS _bad, _part{extra} FROM ({union})"


def stage_updates(staged: str, found: Sequence[Check], recode: Mapping[str, str]) -> list[str]:
    """Statements recoding a staged table's stage names to the funnel's and setting the bit
    of its stage check (staged with `stages_later`)."""
    out = []
    if recode:
        listed = ", ".join(map(literal, recode))
        out.append(f"UPDATE {staged} SET stage = {_recode('stage', recode)} "
                   f"WHERE stage IN ({listed})")
    for i, check in enumerate(found):
        if check.name == "stage":
            known = ", ".join(map(literal, check.choices))
            out.append(f"UPDATE {staged} SET _bad = _bad | {1 << i} "
                       f"WHERE stage IS NOT NULL AND stage NOT IN ({known})")
    return out


def text(column: str) -> str:
    """The value as written, kept beside the parsed one in a located staging table."""
    return quote(f"__x_{column}")


def error_mask(found: Sequence[Check]) -> int:
    return sum(1 << i for i, ch in enumerate(found) if not ch.warning)


# ---------------------------------------------------------------- locating problems


def located_problems(con: duckdb.DuckDBPyConnection, *, located: str,
                     found: Sequence[Check], bits: int,
                     files: Mapping[int, str]) -> list[Problem]:
    """One problem per (file, check) whose bit is in `bits`, with the rows and values, from a
    table staged with `located=True`."""
    out = []
    for i, check in enumerate(found):
        if bits & (1 << i):
            out += _group(con, located=located, bit=1 << i, check=check, files=files)
    return out


def _group(con: duckdb.DuckDBPyConnection, *, located: str, bit: int,
           check: Check, files: Mapping[int, str]) -> list[Problem]:
    base = (f"SELECT _part, _row, CAST({text(check.column)} AS VARCHAR) AS v FROM {located} "
            f"WHERE (_bad & {bit}) <> 0")
    rows = con.execute(
        f"SELECT _part, count(*), list(_row ORDER BY _row)[1:{SHOWN}], count(DISTINCT v) "
        f"FROM ({base}) GROUP BY _part ORDER BY min(_row)").fetchall()
    out = []
    for part, count, first, distinct in rows:
        values = [r[0] for r in con.execute(
            f"SELECT v FROM ({base}) WHERE _part = {int(part)} GROUP BY v "
            f"ORDER BY count(*) DESC, min(_row) LIMIT {SHOWN}").fetchall()]
        out.append(_problem(check, file=files[int(part)], rows=tuple(map(int, first)),
                            count=int(count), values=tuple(values), distinct=int(distinct)))
    return out


def _problem(check: Check, *, file: str, rows: tuple[int, ...], count: int,
             values: tuple[str | None, ...], distinct: int) -> Problem:
    hint = check.hint
    shown = tuple(v for v in values if v is not None)
    if check.choices and shown:
        hint = _choice_hint(check, shown[0])
    return Problem(file=file, row=rows[0], column=check.column,
                   value=shown[0] if shown else None, message=check.message, hint=hint,
                   count=count, rows=rows, values=shown, distinct=distinct,
                   warning=check.warning)


def _choice_hint(check: Check, value: str) -> str:
    known = "known: " + ", ".join(check.choices)
    if check.column != "stage":
        return did_you_mean(value, check.choices, cutoff=0.75) or known
    typo = typo_of(value, check.choices)
    if typo:
        return f"did you mean {typo!r}?"
    return (f"{known}; to use your own stages, write the funnel with `funnelwise export "
            "--funnel FILE`, add them, and import with --funnel FILE")


def warning_problems(con: duckdb.DuckDBPyConnection, *, staged: str, found: Sequence[Check],
                     bits: int, files: Mapping[int, str]) -> list[Problem]:
    """Counts of the warnings raised, per file (no rows: the usual path does not locate)."""
    out = []
    for i, check in enumerate(found):
        if not (check.warning and bits & (1 << i)):
            continue
        for part, count in con.execute(
                f"SELECT _part, count(*) FROM {staged} WHERE (_bad & {1 << i}) <> 0 "
                "GROUP BY _part ORDER BY _part").fetchall():
            out.append(Problem(file=files[int(part)], row=None, column=check.column,
                               value=None, message=check.message, hint=check.hint,
                               count=int(count), warning=True))
    return out


# ---------------------------------------------------------------- keys


def duplicate_count(con: duckdb.DuckDBPyConnection, *, table: str, staged: str,
                    rows: int, keys: int) -> tuple[int, int]:
    """(keys repeated with other values, surplus rows) given the staged `rows` and distinct
    `keys`: both 0 when every key is unique, the usual path, which costs nothing more."""
    if keys == rows:
        return 0, 0
    key = ", ".join(quote(k) for k in TABLES[table].key)
    content = "hash(" + ", ".join(quote(c) for c in TABLES[table].column_names) + ")"
    differing = con.execute(
        f"SELECT count(*) FROM (SELECT {key} FROM {staged} GROUP BY {key} "
        f"HAVING count(DISTINCT {content}) > 1)").fetchall()[0][0]
    return int(differing), rows - int(keys)


def duplicate_problems(con: duckdb.DuckDBPyConnection, *, table: str, located: str,
                       files: Mapping[int, str]) -> list[Problem]:
    """Rows whose key repeats an earlier row of the same import with different values.

    Exact repeats (every column equal) carry no information and are collapsed silently.
    """
    key = ", ".join(quote(k) for k in TABLES[table].key)
    content = "hash(" + ", ".join(quote(c) for c in TABLES[table].column_names) + ")"
    over = f"OVER (PARTITION BY {key} ORDER BY _part, _row)"
    ranked = (f"SELECT *, {content} AS _hash, first({content}) {over} AS _first_hash, "
              f"first(_part) {over} AS _first_part, first(_row) {over} AS _first_row "
              f"FROM {located}")
    dups = f"SELECT * FROM ({ranked}) WHERE _hash <> _first_hash"
    first_key = TABLES[table].key[0]
    out = []
    for part, count, rows, value, first_part, first_row in con.execute(
            f"SELECT _part, count(*), list(_row ORDER BY _row)[1:{SHOWN}], "
            f"arg_min({quote(first_key)}, _row), arg_min(_first_part, _row), "
            f"arg_min(_first_row, _row) FROM ({dups}) GROUP BY _part ORDER BY _part").fetchall():
        first = f"{files[int(first_part)]} row {int(first_row)}"
        out.append(Problem(file=files[int(part)], row=int(rows[0]), column=first_key,
                           value=str(value), message=f"repeats the key of {first} with other "
                                                     "values",
                           hint="keep one row per key", count=int(count),
                           rows=tuple(map(int, rows)), values=(str(value),), distinct=1))
    return out
