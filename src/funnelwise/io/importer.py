"""Import: look at the files, map them to canonical tables, check every cell, then write once.

The write is one transaction: either every table of the import is written or, on any problem,
nothing is. Rows are upserted by key (importing the same data twice changes no count), and
only the columns a file carries are written: a re-import of a file without `amount` leaves
the stored amounts alone. With `skip_invalid`, rows with problems go to that CSV file and the
rest are imported.

Each canonical table is staged by one statement that reads its files once, types every cell
and marks failed checks (`validate.stage_sql`); into an empty table the staged rows are moved
as they are, so the usual first import reads and writes the data once. Rows are located
(file, row, value) only when something is wrong.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NoReturn

import duckdb

from funnelwise.errors import Problem, UserError, ValidationError, did_you_mean
from funnelwise.io import sources, validate, vocabulary
from funnelwise.io.presets import Preset
from funnelwise.io.references import unknown_references
from funnelwise.io.sources import Progress, RawFile, quote
from funnelwise.io.spec import Selected, TableSpec, select_sql
from funnelwise.io.workspace import Workspace
from funnelwise.schema import TABLES, Funnel
from funnelwise.schema.funnel import parse_funnel

REQUIRED = ("reps", "opportunities")
"""Tables every workspace needs: an import must bring them unless the workspace has them."""


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows staged per table, counts before and after, files used, what
    is worth saying (notes about files, warnings with counts) and the funnel if inferred."""

    staged: dict[str, int]
    before: dict[str, int]
    after: dict[str, int]
    used: dict[str, list[str]]
    ignored: list[str]
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    funnel: str = ""
    """What was inferred about the funnel (empty when the funnel was known)."""


@dataclass(frozen=True)
class _Table:
    """One canonical table of the import: its parts (one per source file) and its checks."""

    name: str
    parts: tuple[Selected, ...]
    specs: tuple[TableSpec, ...]
    raws: tuple[RawFile, ...]
    checks: tuple[validate.Check, ...]

    @property
    def files(self) -> dict[int, str]:
        return {i: raw.label for i, raw in enumerate(self.raws)}

    def carries_everything(self) -> bool:
        """Every part carries every canonical column."""
        return all(p.present == frozenset(TABLES[self.name].column_names) for p in self.parts)

    def present(self) -> dict[str, frozenset[int]]:
        """Canonical column -> the parts that carry it."""
        out: dict[str, set[int]] = defaultdict(set)
        for i, part in enumerate(self.parts):
            for column in part.present:
                out[column].add(i)
        return {c: frozenset(p) for c, p in out.items()}


@dataclass(frozen=True)
class _Plan:
    """Everything decided before a row is read."""

    tables: dict[str, _Table]
    vocabulary: vocabulary.Vocabulary
    used: dict[str, list[str]]
    ignored: list[str]
    notes: list[str]
    others: dict[str, RawFile]
    """Every file by lower-case stem, for expressions that look values up in another file."""
    missing: list[Problem]
    """Required tables neither the import nor the workspace has: said with the rows' problems."""


def _match(preset: Preset, raws: dict[str, RawFile]) -> tuple[list[tuple[TableSpec, RawFile]],
                                                               list[str]]:
    pairs = [(spec, raw) for spec in preset.specs for raw in raws.values() if spec.matches(raw)]
    fed = {spec.table for spec, _ in pairs if not spec.fallback}
    pairs = [(spec, raw) for spec, raw in pairs if not (spec.fallback and spec.table in fed)]
    used = {raw.label for _, raw in pairs}
    for pattern in preset.lookups:
        found = [r.label for r in raws.values() if fnmatch.fnmatch(r.label.lower(), pattern)]
        if not found:
            raise UserError(f"preset {preset.name!r} needs a file matching {pattern!r}; "
                            f"given: {', '.join(sorted(raws))}")
        used.update(found)
    for spec in preset.specs:
        if not spec.optional and not any(s is spec for s, _ in pairs):
            raise UserError(f"preset {preset.name!r} needs a file matching {spec.file!r}; "
                            f"given: {', '.join(sorted(raws)) or 'none'}")
    if not pairs:
        raise UserError(f"none of the files fit the {preset.name!r} layout "
                        f"({', '.join(sorted(raws))}); {preset.file_hint}")
    return pairs, sorted(set(raws) - used)


def _open_all(con: duckdb.DuckDBPyConnection, paths: list[Path],
              preset: Preset) -> dict[str, RawFile]:
    raws = {f.name: sources.open_file(con, f) for f in sources.expand(paths)}
    looked_up = [r for r in raws.values()
                 if any(fnmatch.fnmatch(r.label.lower(), p) for p in preset.lookups)]
    for n, raw in enumerate(looked_up):
        if not raw.problems:
            raws[raw.label] = sources.materialise(con, sources.probe(con, raw), f"lookup_{n}")
    return raws


def _header_problems(spec: TableSpec, raw: RawFile) -> tuple[list[Problem], list[str]]:
    """Headers of a canonical file that are not canonical names: a typo of a missing column
    is an error ("did you mean"), any other unknown header a note."""
    names = TABLES[spec.table].column_names
    used = {raw.find(n) for n in names}
    missing = [n for n in names if raw.find(n) is None]
    problems, extra = [], []
    for header in raw.columns:
        if header in used or header.startswith("_empty_"):
            continue
        close = did_you_mean(header, missing)
        if close:
            problems.append(Problem(file=raw.label, row=None, column=header, value=None,
                                    message=f"is not a column of {spec.table}", hint=close))
        else:
            extra.append(header)
    notes = [f"{raw.label}: column(s) {', '.join(extra)} are not part of {spec.table}; "
             "ignored"] if extra else []
    return problems, notes


def _absent(spec: TableSpec, raw: RawFile, part: Selected) -> list[str]:
    """A note naming the columns a layout reads that this file does not carry."""
    declared = [c for c in TABLES[spec.table].column_names
                if c in spec.columns or c in spec.expressions]
    absent = [c for c in declared if c not in part.present
              and not TABLES[spec.table].column(c).required]
    if not absent:
        return []
    return [f"{raw.label} has no column for {', '.join(absent)} ({spec.table}): left empty, "
            "and kept as stored on a re-import"]


def _plan(ws: Workspace, paths: list[Path], preset: Preset, funnel_text: str | None,
          settings: validate.Settings) -> _Plan:
    con = ws.con
    raws = _open_all(con, paths, preset)
    pairs, ignored = _match(preset, raws)
    problems = [p for raw in raws.values() if raw.label not in ignored for p in raw.problems]
    notes = [f"{raw.label} {note}" for raw in raws.values() if raw.label not in ignored
             for note in raw.notes]
    others = {r.stem: r for r in raws.values()}
    grouped: dict[str, list[tuple[TableSpec, RawFile]]] = defaultdict(list)
    for spec, raw in pairs:
        grouped[spec.table].append((spec, raw))
    selected: dict[str, list[Selected]] = {}
    for table, members in grouped.items():
        selected[table] = []
        for i, (spec, raw) in enumerate(members):
            part = select_sql(spec, raw, others, part=i, located=False)
            problems += part.problems
            if spec.strict_headers:
                found, said = _header_problems(spec, raw)
                problems += found
                notes += said
            else:
                notes += _absent(spec, raw, part)
            selected[table].append(part)
    if problems:
        raise ValidationError(problems)
    words = _vocabulary(ws, preset, funnel_text, selected, raws)
    tables = {
        table: _Table(name=table, parts=tuple(selected[table]),
                      specs=tuple(s for s, _ in members), raws=tuple(r for _, r in members),
                      checks=tuple(validate.checks(table, words.funnel, settings)))
        for table, members in grouped.items()
    }
    used: dict[str, list[str]] = defaultdict(list)
    for spec, raw in pairs:
        used[spec.table].append(raw.label)
    return _Plan(tables=tables, vocabulary=words, used=dict(used), ignored=ignored, notes=notes,
                 others=others, missing=_missing_tables(ws, grouped))


def _missing_tables(ws: Workspace, grouped: Mapping[str, object]) -> list[Problem]:
    counts = ws.counts()
    return [Problem(file=f"{table}.csv", row=None, column=None, value=None,
                    message=f"is missing: the import has no {table} file and the workspace "
                            f"holds no {table} yet",
                    hint=f"add the {table} export (every metric needs {table})")
            for table in REQUIRED if table not in grouped and not counts[table]]


# ---------------------------------------------------------------- the funnel


def _vocabulary(ws: Workspace, preset: Preset, funnel_text: str | None,
                selected: Mapping[str, list[Selected]],
                raws: Mapping[str, RawFile]) -> vocabulary.Vocabulary:
    """The funnel to import with and the recoding of the data's stage names to its own."""
    funnel, given = _funnel_for(ws, preset, funnel_text)
    deals = [p.sql for p in selected.get("opportunities", [])]
    history = [p.sql for p in selected.get("stage_history", [])]
    if not deals and not history:
        return vocabulary.Vocabulary(funnel=funnel, recode={})
    deals.append("SELECT stage, status, CAST(created_at AS VARCHAR) AS created_at "
                 "FROM opportunities")
    history.append("SELECT opportunity_id, stage, CAST(entered_at AS VARCHAR) AS entered_at "
                   "FROM stage_history")
    try:
        uses = vocabulary.stage_uses(ws.con, deals=deals, history=history)
    except duckdb.Error:
        return vocabulary.Vocabulary(funnel=funnel, recode={})
    return vocabulary.resolve(funnel, uses, given=given)


def _funnel_for(ws: Workspace, preset: Preset, funnel_text: str | None) -> tuple[Funnel, bool]:
    """(funnel, given by the user): `--funnel`, then one given before and stored, then the
    preset's or mapping's, then the one stored with the data, then the default."""
    if funnel_text:
        return parse_funnel(funnel_text, where="--funnel"), True
    if ws.get_meta("funnel_origin") == "given":
        return ws.funnel(), True
    if preset.funnel:
        return (parse_funnel(preset.funnel, where=f"{preset.name} funnel"),
                preset.funnel_given)
    return ws.funnel(), False


def _origin(funnel_text: str | None, preset: Preset, words: vocabulary.Vocabulary,
            ws: Workspace) -> str:
    if funnel_text or ws.get_meta("funnel_origin") == "given" or preset.funnel_given:
        return "given"
    return "inferred" if words.inferred else "preset" if preset.funnel else "default"


# ---------------------------------------------------------------- staging


def _stage(con: duckdb.DuckDBPyConnection, plan: _Plan, table: _Table, name: str, *,
           located: bool, temp: bool, progress: Progress | None) -> None:
    parts = [validate.Part(sql=p.sql, date_format=s.date_format)
             for p, s in zip(table.parts, table.specs, strict=True)]
    sql = validate.stage_sql(table.name, parts, table.checks,
                             values={"stage": plan.vocabulary.recode}, located=located)
    kind = "TEMP TABLE" if temp else "TABLE"
    with sources.polling(con, table.name, progress):
        con.execute(f"CREATE OR REPLACE {kind} {name} AS {sql}")


def _located(con: duckdb.DuckDBPyConnection, plan: _Plan, table: _Table,
             progress: Progress | None) -> tuple[_Table, str]:
    """The table staged again from materialised files, so every row has its `_row`."""
    raws = tuple(sources.materialise(con, raw, f"raw_{table.name}_{i}", progress)
                 for i, raw in enumerate(table.raws))
    others = {**plan.others, **{r.stem: r for r in raws}}
    parts = tuple(select_sql(spec, raw, others, part=i, located=True)
                  for i, (spec, raw) in enumerate(zip(table.specs, raws, strict=True)))
    table = replace(table, raws=raws, parts=parts)
    name = f"located_{table.name}"
    _stage(con, plan, table, name, located=True, temp=True, progress=progress)
    return table, name


@dataclass(frozen=True)
class _Staged:
    """A staged table: its name, rows per part, the checks failed (bits), and key repeats."""

    name: str
    rows: dict[int, int]
    bits: int
    differing: int
    surplus: int

    def errors(self, table: _Table) -> bool:
        return bool(self.bits & validate.error_mask(table.checks)) or self.differing > 0


def _summarise(con: duckdb.DuckDBPyConnection, table: _Table, name: str) -> _Staged:
    rows = dict(con.execute(f"SELECT _part, count(*) FROM {name} GROUP BY _part").fetchall())
    bits = con.execute(f"SELECT coalesce(bit_or(_bad), 0) FROM {name}").fetchall()[0][0]
    differing, surplus = validate.duplicate_count(con, table=table.name, staged=name,
                                                  rows=sum(rows.values()))
    return _Staged(name=name, rows={int(k): int(v) for k, v in rows.items()}, bits=int(bits),
                   differing=differing, surplus=surplus)


def _problems(con: duckdb.DuckDBPyConnection, plan: _Plan, table: _Table, staged: _Staged,
              progress: Progress | None) -> tuple[list[Problem], list[Problem], _Table, str]:
    """The errors of a staged table located to rows: (cell problems, keys repeated with
    other values), the table as located and its located staging table."""
    table, located = _located(con, plan, table, progress)
    errors = staged.bits & validate.error_mask(table.checks)
    found = validate.located_problems(con, located=located, found=table.checks, bits=errors,
                                      files=table.files)
    repeated = (validate.duplicate_problems(con, table=table.name, located=located,
                                            files=table.files) if staged.differing else [])
    return found, repeated, table, located


# ---------------------------------------------------------------- writing


def _write(con: duckdb.DuckDBPyConnection, table: _Table, staged: _Staged, *,
           bad: int) -> int:
    """Move the staged rows into the canonical table (all, or those without the `bad` bits);
    the number of rows staged."""
    name = staged.name
    if bad:
        con.execute(f"DELETE FROM {name} WHERE (_bad & {bad}) <> 0")
    rows = int(con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0])
    empty = not con.execute(f"SELECT 1 FROM {table.name} LIMIT 1").fetchall()
    if empty and not staged.surplus:
        for extra in _extras(con, name):
            con.execute(f"ALTER TABLE {name} DROP COLUMN {quote(extra)}")
        con.execute(f"DROP TABLE {table.name}")
        con.execute(f"ALTER TABLE {name} RENAME TO {table.name}")
        return rows
    key = [quote(k) for k in TABLES[table.name].key]
    source = name if not staged.surplus else (
        f"(SELECT DISTINCT ON ({', '.join(key)}) * FROM {name} ORDER BY {', '.join(key)})")
    if empty or table.carries_everything():
        _replace(con, table.name, source, key)
    else:
        _merge(con, table, source, key)
    con.execute(f"DROP TABLE {name}")
    return rows


def _extras(con: duckdb.DuckDBPyConnection, staged: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {staged}").fetchall() if r[0].startswith("_")]


def _replace(con: duckdb.DuckDBPyConnection, table: str, source: str, key: list[str]) -> None:
    """Rows with the import's keys replaced whole (every file carries every column)."""
    cols = ", ".join(quote(c) for c in TABLES[table].column_names)
    match = " AND ".join(f"t.{k} = s.{k}" for k in key)
    con.execute(f"DELETE FROM {table} AS t USING {source} AS s WHERE {match}")
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {source}")


def _merge(con: duckdb.DuckDBPyConnection, table: _Table, source: str, key: list[str]) -> None:
    """Rows with the import's keys updated in the columns the files carry, new keys added:
    a column a file does not carry keeps its stored values."""
    present = table.present()
    whole = frozenset(range(len(table.parts)))
    sets = []
    for column, parts in present.items():
        c = quote(column)
        if parts == whole:
            sets.append(f"{c} = s.{c}")
        else:
            listed = ", ".join(map(str, sorted(parts)))
            sets.append(f"{c} = CASE WHEN s._part IN ({listed}) THEN s.{c} ELSE t.{c} END")
    match = " AND ".join(f"t.{k} = s.{k}" for k in key)
    cols = ", ".join(quote(c) for c in TABLES[table.name].column_names)
    con.execute(f"UPDATE {table.name} AS t SET {', '.join(sets)} FROM {source} AS s "
                f"WHERE {match}")
    con.execute(f"INSERT INTO {table.name} ({cols}) SELECT {cols} FROM {source} AS s "
                f"WHERE NOT EXISTS (SELECT 1 FROM {table.name} AS t WHERE {match})")


def _write_rejects(con: duckdb.DuckDBPyConnection, located: dict[str, tuple[_Table, str]],
                   path: Path) -> int:
    """Every row with an error, its file, row and problems, to `path` as CSV."""
    selects = []
    for table, name in located.values():
        files = " ".join(f"WHEN {i} THEN {sources.literal(f)}" for i, f in table.files.items())
        for i, check in enumerate(table.checks):
            if check.warning:
                continue
            text = sources.literal(f"{check.column}: {check.message}")
            selects.append(f"SELECT CASE _part {files} END AS file, _row AS row, {text} AS "
                           f"problem FROM {name} WHERE (_bad & {1 << i}) <> 0")
    if not selects:
        return 0
    con.execute("CREATE OR REPLACE TEMP TABLE bad_rows AS SELECT file, row, "
                f"string_agg(problem, '; ') AS problem FROM ({' UNION ALL '.join(selects)}) "
                "GROUP BY ALL ORDER BY file, row")
    try:
        con.execute(f"COPY bad_rows TO {sources.literal(str(path))} (HEADER, DELIMITER ',')")
    except duckdb.Error as exc:
        raise UserError(f"cannot write --skip-invalid file {path}: "
                        f"{str(exc).splitlines()[0]}") from exc
    return int(con.execute("SELECT count(*) FROM bad_rows").fetchall()[0][0])


# ---------------------------------------------------------------- the import


def run_import(
    ws: Workspace, paths: list[Path], preset: Preset, *, funnel_text: str | None = None,
    skip_invalid: Path | None = None, progress: Progress | None = None,
    settings: validate.Settings | None = None,
) -> ImportResult:
    """Import `paths` with `preset` into the workspace, all or nothing."""
    settings = settings or validate.Settings()
    if skip_invalid is not None and not skip_invalid.parent.is_dir():
        raise UserError(f"--skip-invalid {skip_invalid}: folder {skip_invalid.parent} "
                        "does not exist")
    before = ws.counts()
    plan = _plan(ws, paths, preset, funnel_text, settings)
    for _ in range(len(plan.tables) * 2 + 1):
        try:
            return _run(ws, plan, preset, funnel_text, skip_invalid, progress, before)
        except _Reread as again:
            plan = again.plan
    raise UserError("the files could not be read")  # pragma: no cover - bounded retries


class _Reread(Exception):
    """A file turned out to be Latin-1 throughout: stage again with it read as such."""

    def __init__(self, plan: _Plan) -> None:
        self.plan = plan


def _run(ws: Workspace, plan: _Plan, preset: Preset, funnel_text: str | None,
         skip_invalid: Path | None, progress: Progress | None,
         before: dict[str, int]) -> ImportResult:
    """Stage, check and write in one transaction; when something is wrong, roll it back,
    locate the problems, and (with `skip_invalid`) stage again and write the good rows."""
    con = ws.con
    try:
        failing = _attempt(ws, plan, preset, funnel_text, progress, bad={})
    except _ReadFailed as failed:
        _explain_read(con, plan, failed.table, failed.error)
    if isinstance(failing, _Written):
        return _result(ws, plan, failing, before=before, skipped=0)
    problems, repeated, located = _locate(con, plan, failing, progress)
    if skip_invalid is None or repeated or plan.missing:
        raise ValidationError(plan.missing + _ordered(problems + repeated))
    skipped = _write_rejects(con, located, skip_invalid)
    bad = {n: validate.error_mask(plan.tables[n].checks) for n in failing}
    written = _attempt(ws, plan, preset, funnel_text, progress, bad=bad)
    if not isinstance(written, _Written):  # pragma: no cover - the same rows, staged again
        raise UserError("the files changed during the import; run it again")
    return _result(ws, plan, written, before=before, skipped=skipped)


@dataclass(frozen=True)
class _Written:
    """What a committed import wrote: rows per table, how each was staged, its warnings."""

    rows: dict[str, int]
    staged: dict[str, _Staged]
    warnings: list[Problem]


def _attempt(ws: Workspace, plan: _Plan, preset: Preset, funnel_text: str | None,
             progress: Progress | None, *, bad: dict[str, int]) -> _Written | dict[str,
                                                                                   _Staged]:
    """One transaction: stage every table; commit if nothing is wrong (rows with a `bad` bit
    left out), else roll back and return the failing tables."""
    con = ws.con
    con.execute("BEGIN TRANSACTION")
    try:
        staged = {name: _stage_checked(con, plan, table, progress)
                  for name, table in plan.tables.items()}
        failing = {n: s for n, s in staged.items()
                   if s.errors(plan.tables[n]) and n not in bad}
        if failing:
            con.execute("ROLLBACK")
            return failing
        if plan.missing:
            raise ValidationError(plan.missing)
        warnings = [w for name, s in staged.items() for w in validate.warning_problems(
            con, staged=s.name, found=plan.tables[name].checks, bits=s.bits,
            files=plan.tables[name].files)]
        rows = {name: _write(con, plan.tables[name], s, bad=bad.get(name, 0))
                for name, s in staged.items()}
        ws.set_meta("funnel", plan.vocabulary.funnel.source)
        ws.set_meta("funnel_origin", _origin(funnel_text, preset, plan.vocabulary, ws))
        warnings += unknown_references(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return _Written(rows=rows, staged=staged, warnings=warnings)


def _locate(con: duckdb.DuckDBPyConnection, plan: _Plan, failing: Mapping[str, _Staged],
            progress: Progress | None) -> tuple[list[Problem], list[Problem],
                                                dict[str, tuple[_Table, str]]]:
    """The failing tables' problems located to rows (outside any transaction, so the
    temporary tables' row ids are the data rows)."""
    problems: list[Problem] = []
    repeated: list[Problem] = []
    located: dict[str, tuple[_Table, str]] = {}
    for name, staged in failing.items():
        found, keys, table, where = _problems(con, plan, plan.tables[name], staged, progress)
        problems += found
        repeated += keys
        located[name] = (table, where)
    return problems, repeated, located


def _result(ws: Workspace, plan: _Plan, written: _Written, *, before: dict[str, int],
            skipped: int) -> ImportResult:
    notes = plan.notes + _empty_files(plan, written.staged)
    return ImportResult(staged=written.rows, before=before, after=ws.counts(), used=plan.used,
                        ignored=plan.ignored, skipped=skipped, notes=notes,
                        warnings=written.warnings, funnel=plan.vocabulary.inferred)


def _ordered(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.row or 0))


def _stage_checked(con: duckdb.DuckDBPyConnection, plan: _Plan, table: _Table,
                   progress: Progress | None) -> _Staged:
    """Stage a table; a read that fails is raised as `_ReadFailed`, to be explained."""
    name = f"_staged_{table.name}"
    try:
        _stage(con, plan, table, name, located=False, temp=False, progress=progress)
    except duckdb.Error as exc:
        raise _ReadFailed(table, exc) from exc
    return _summarise(con, table, name)


class _ReadFailed(Exception):
    """Staging a table failed: a file breaks the strict read (explained once rolled back)."""

    def __init__(self, table: _Table, error: duckdb.Error) -> None:
        self.table = table
        self.error = error


def _explain_read(con: duckdb.DuckDBPyConnection, plan: _Plan, table: _Table,
                  exc: duckdb.Error) -> NoReturn:
    """Say which file broke the read and where, or read a Latin-1 file again as such."""
    probed = [sources.probe(con, raw) for raw in table.raws]
    problems = [p for raw in probed for p in raw.problems]
    if problems:
        raise ValidationError(problems)
    changed = {old.label: new for old, new in zip(table.raws, probed, strict=True)
               if new is not old}
    if changed:
        raise _Reread(_reopened(plan, table, changed))
    message = str(exc).splitlines()[0].split("Error: ", 1)[-1]
    raise UserError(f"cannot import {table.name} from {', '.join(table.files.values())}: "
                    f"{message}") from exc


def _reopened(plan: _Plan, table: _Table, changed: dict[str, RawFile]) -> _Plan:
    raws = tuple(changed.get(r.label, r) for r in table.raws)
    others = {**plan.others, **{r.stem: r for r in raws}}
    parts = tuple(select_sql(spec, raw, others, part=i, located=False)
                  for i, (spec, raw) in enumerate(zip(table.specs, raws, strict=True)))
    notes = plan.notes + [f"{r.label} {n}" for r in changed.values() for n in r.notes[:1]]
    tables = {**plan.tables, table.name: replace(table, raws=raws, parts=parts)}
    return replace(plan, tables=tables, notes=notes, others=others)


def _empty_files(plan: _Plan, staged: Mapping[str, _Staged]) -> list[str]:
    return [f"{raw.label} has a header and no data rows: nothing to import from it"
            for name, table in plan.tables.items() for i, raw in enumerate(table.raws)
            if not staged[name].rows.get(i)]
