"""Staging: each canonical table read from its files in one pass, typed and checked.

The usual path stages into the workspace inside the import's transaction (`stage`), so a
table that turns out clean is moved into place without being written twice. Stage names are
resolved from the staged rows (`resolve_vocabulary`), then recoded and checked in place. Only
when a check fails are the files loaded again with their row numbers (`locate`), outside any
transaction, to say which rows and values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import duckdb

from funnelwise.errors import Problem, UserError, ValidationError
from funnelwise.io import sources, validate, vocabulary
from funnelwise.io.planning import Plan, Table
from funnelwise.io.sources import Progress, RawFile, quote
from funnelwise.io.spec import select_sql
from funnelwise.io.vocabulary import Vocabulary
from funnelwise.io.workspace import Workspace
from funnelwise.schema import TABLES


@dataclass(frozen=True)
class Staged:
    """A staged table: its name, rows per part, the checks failed (bits), and key repeats."""

    name: str
    rows: dict[int, int]
    bits: int
    differing: int
    surplus: int

    def errors(self, table: Table) -> bool:
        return bool(self.bits & validate.error_mask(table.checks)) or self.differing > 0


class ReadFailed(Exception):
    """Staging a table failed: a file breaks the strict read (explained once rolled back)."""

    def __init__(self, table: Table, error: duckdb.Error) -> None:
        super().__init__(str(error))
        self.table = table
        self.error = error


class Reread(Exception):
    """A file turned out to be Latin-1 throughout: stage again with it read as such."""

    def __init__(self, plan: Plan) -> None:
        super().__init__("read again")
        self.plan = plan


def _sql(plan: Plan, table: Table, *, located: bool) -> str:
    parts = [validate.Part(sql=p.sql, date_format=s.date_format)
             for p, s in zip(table.parts, table.specs, strict=True)]
    later = plan.vocabulary is None
    recode = {} if later or plan.vocabulary is None else plan.vocabulary.recode
    return validate.stage_sql(table.name, parts, table.checks, values={"stage": recode},
                              located=located, stages_later=later)


def stage(con: duckdb.DuckDBPyConnection, plan: Plan, table: Table,
          progress: Progress | None) -> str:
    """Stage a table into the workspace (inside the caller's transaction); its name.

    A read that fails raises `ReadFailed`, to be explained once the transaction is undone."""
    name = f"_staged_{table.name}"
    try:
        with sources.polling(con, table.name, progress):
            con.execute(f"CREATE OR REPLACE TABLE {name} AS {_sql(plan, table, located=False)}")
    except duckdb.Error as exc:
        raise ReadFailed(table, exc) from exc
    return name


def resolve_vocabulary(ws: Workspace, plan: Plan, staged: dict[str, str]) -> Vocabulary:
    """The funnel and stage recoding from the staged deals and stage history, and the
    workspace's own."""
    deals = [f"SELECT stage, status, CAST(created_at AS VARCHAR) AS created_at FROM {t}"
             for t in (staged.get("opportunities"), "opportunities") if t]
    history = [f"SELECT opportunity_id, stage, CAST(entered_at AS VARCHAR) AS entered_at "
               f"FROM {t}" for t in (staged.get("stage_history"), "stage_history") if t]
    if "opportunities" not in staged and "stage_history" not in staged:
        return Vocabulary(funnel=plan.funnel, recode={})
    known = {vocabulary.norm(s) for s in plan.funnel.known_stages}
    uses = vocabulary.stage_uses(ws.con, deals=deals, history=history, known=known)
    return vocabulary.resolve(plan.funnel, uses, given=plan.given)


def apply_vocabulary(con: duckdb.DuckDBPyConnection, table: Table, staged: str,
                     words: Vocabulary) -> None:
    """Recode a staged table's stage names and check them against the resolved funnel."""
    if "stage" in TABLES[table.name].column_names:
        for statement in validate.stage_updates(staged, table.checks, words.recode):
            con.execute(statement)


def summarise(con: duckdb.DuckDBPyConnection, table: Table, name: str) -> Staged:
    """Rows per part, the checks failed and the keys repeated."""
    key = TABLES[table.name].key
    parts = ", ".join(f"count(*) FILTER (_part = {i})" for i in range(len(table.parts)))
    bits, *rows = con.execute(
        f"SELECT coalesce(bit_or(_bad), 0), {parts} FROM {name}").fetchall()[0]
    counts = {i: int(n) for i, n in enumerate(rows)}
    total = sum(counts.values())
    keys = total if ascending(con, name, key) else int(con.execute(
        f"SELECT count(DISTINCT ({', '.join(quote(k) for k in key)})) FROM {name}"
    ).fetchall()[0][0])
    differing, surplus = validate.duplicate_count(con, table=table.name, staged=name,
                                                  rows=total, keys=keys)
    return Staged(name=name, rows=counts, bits=int(bits), differing=differing, surplus=surplus)


SORTED_SAMPLE = 1000
"""Rows at the start of a staged table that show whether its keys may be in order."""


def ascending(con: duckdb.DuckDBPyConnection, name: str, key: tuple[str, ...]) -> bool:
    """Whether every key of a table is set and greater than the one before it as the rows
    are read: then no key repeats, which one pass shows without holding every key in a
    hash table (exports often come in key order). The first rows decide whether the whole
    table is worth the pass; rows out of order only mean the keys are counted instead."""
    columns = ", ".join(quote(k) for k in key)
    value = f"({columns})" if len(key) > 1 else columns
    unset = " OR ".join(f"{quote(k)} IS NULL" for k in key)

    def out_of_order(rows: str) -> int:
        return int(con.execute(
            f"SELECT count(*) FILTER ({unset} OR _key <= _before) FROM (SELECT {columns}, "
            f"{value} AS _key, lag({value}) OVER () AS _before FROM {rows})").fetchall()[0][0])

    return (out_of_order(f"(SELECT {columns} FROM {name} LIMIT {SORTED_SAMPLE})") == 0
            and out_of_order(name) == 0)


# ---------------------------------------------------------------- locating problems


def _located(con: duckdb.DuckDBPyConnection, plan: Plan, table: Table,
             progress: Progress | None) -> tuple[Table, str]:
    """The table staged again from its files loaded with row numbers (a temporary table)."""
    raws = tuple(sources.materialise(con, raw, f"raw_{table.name}_{i}", progress)
                 for i, raw in enumerate(table.raws))
    others = {**plan.others, **{r.stem: r for r in raws}}
    parts = tuple(select_sql(spec, raw, others, part=i, located=True)
                  for i, (spec, raw) in enumerate(zip(table.specs, raws, strict=True)))
    table = replace(table, raws=raws, parts=parts)
    name = f"located_{table.name}"
    with sources.polling(con, table.name, progress):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {_sql(plan, table, located=True)}")
    return table, name


@dataclass(frozen=True)
class Located:
    """A failing table's problems: cell problems, keys repeated with other values, and the
    located staging table (for --skip-invalid's rejects file)."""

    problems: list[Problem]
    repeated: list[Problem]
    table: Table
    name: str


def locate(con: duckdb.DuckDBPyConnection, plan: Plan, table: Table, staged: Staged,
           progress: Progress | None) -> Located:
    """The errors of a staged table, located to rows (call outside any transaction, so the
    temporary tables' row ids are the data rows)."""
    table, name = _located(con, plan, table, progress)
    errors = staged.bits & validate.error_mask(table.checks)
    found = validate.located_problems(con, located=name, found=table.checks, bits=errors,
                                      files=table.files)
    repeated = (validate.duplicate_problems(con, table=table.name, located=name,
                                            files=table.files) if staged.differing else [])
    return Located(problems=found, repeated=repeated, table=table, name=name)


def explain_read(con: duckdb.DuckDBPyConnection, plan: Plan, failed: ReadFailed) -> Plan:
    """After a failed read: raise the files' problems, or return the plan with a Latin-1 file
    opened as such; anything else is a user error naming the files."""
    table = failed.table
    probed = [sources.probe(con, raw) for raw in table.raws]
    problems = [p for raw in probed for p in raw.problems]
    if problems:
        raise ValidationError(problems)
    changed: dict[str, RawFile] = {old.label: new for old, new in
                                   zip(table.raws, probed, strict=True) if new is not old}
    if changed:
        from funnelwise.io.planning import reopened

        return reopened(plan, table, changed)
    message = str(failed.error).splitlines()[0].split("Error: ", 1)[-1]
    raise UserError(f"cannot import {table.name} from {', '.join(table.files.values())}: "
                    f"{message}") from failed.error
