"""Import: load files, map them to canonical tables, validate everything, then write once.

The write is one transaction: either every table of the import is upserted (rows replaced by
key, so importing the same data twice changes no count) or, on any problem, nothing is.
With `skip_invalid`, rows with problems are written to that CSV file and the rest imported.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from funnelwise.errors import Problem, UserError, ValidationError
from funnelwise.io import sources, validate
from funnelwise.io.presets import Preset
from funnelwise.io.sources import Progress, RawFile, quote
from funnelwise.io.spec import TableSpec, select_sql
from funnelwise.io.workspace import Workspace
from funnelwise.schema import TABLES, Funnel
from funnelwise.schema.funnel import parse_funnel


@dataclass(frozen=True)
class ImportResult:
    """What an import did: rows staged per table, counts before and after, files used."""

    staged: dict[str, int]
    before: dict[str, int]
    after: dict[str, int]
    used: dict[str, list[str]]
    ignored: list[str]
    skipped: int = 0


@dataclass
class _Stage:
    con: duckdb.DuckDBPyConnection
    funnel: Funnel
    problems: list[Problem] = field(default_factory=list)
    total: int = 0
    bad: list[str] = field(default_factory=list)
    typed: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, found: tuple[list[Problem], int, str]) -> None:
        problems, total, bad_sql = found
        self.problems += problems
        self.total += total
        if total:
            self.bad.append(bad_sql)


def _load_all(
    con: duckdb.DuckDBPyConnection, paths: list[Path], progress: Progress | None
) -> dict[str, RawFile]:
    files = sources.expand(paths)
    return {f.name: sources.load(con, f, f"raw_{i}", progress) for i, f in enumerate(files)}


def _match(preset: Preset, raws: dict[str, RawFile]) -> tuple[list[tuple[TableSpec, RawFile]],
                                                               list[str]]:
    pairs = [(spec, raw) for spec in preset.specs for raw in raws.values() if spec.matches(raw)]
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


def _stage_part(st: _Stage, spec: TableSpec, raw: RawFile, raws: dict[str, RawFile],
                n: int) -> None:
    sql, missing = select_sql(spec, raw, {r.stem: r for r in raws.values()})
    st.problems += missing
    st.total += len(missing)
    if missing:
        return
    name = f"mapped_{n}"
    st.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
    st.add(validate.find_problems(st.con, table=spec.table, staged=name, funnel=st.funnel,
                                  date_format=spec.date_format))
    st.typed[spec.table].append(validate.typed_select(spec.table, name, spec.date_format))


def _union(st: _Stage) -> dict[str, str]:
    staged = {}
    for table, selects in st.typed.items():
        name = f"typed_{table}"
        st.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS " + " UNION ALL ".join(selects))
        st.add(validate.duplicate_problems(st.con, table=table, typed=name))
        staged[table] = name
    return staged


def _write_bad(st: _Stage, path: Path) -> int:
    bad = " UNION ALL ".join(st.bad)
    st.con.execute(f"CREATE OR REPLACE TEMP TABLE bad_rows AS SELECT _file AS file, _row AS row, "
                   f"string_agg(_problem, '; ') AS problem FROM ({bad}) GROUP BY ALL "
                   "ORDER BY file, row")
    literal = "'" + str(path).replace("'", "''") + "'"
    st.con.execute(f"COPY bad_rows TO {literal} (HEADER, DELIMITER ',')")
    return int(st.con.execute("SELECT count(*) FROM bad_rows").fetchall()[0][0])


def _upsert(con: duckdb.DuckDBPyConnection, table: str, typed: str, skip: bool) -> int:
    key = TABLES[table].key
    cols = ", ".join(quote(c) for c in TABLES[table].column_names)
    keep = (" WHERE (_file, _row) NOT IN (SELECT file, row FROM bad_rows)" if skip else "")
    con.execute(f"CREATE OR REPLACE TEMP TABLE final_{table} AS SELECT {cols} FROM {typed}{keep} "
                f"QUALIFY row_number() OVER (PARTITION BY {', '.join(map(quote, key))} "
                "ORDER BY _file, _row) = 1")
    match = " AND ".join(f"t.{quote(k)} = s.{quote(k)}" for k in key)
    con.execute(f"DELETE FROM {table} AS t USING final_{table} AS s WHERE {match}")
    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM final_{table}")
    return int(con.execute(f"SELECT count(*) FROM final_{table}").fetchall()[0][0])


def _funnel_for(ws: Workspace, preset: Preset, funnel_text: str | None) -> Funnel:
    if funnel_text:
        return parse_funnel(funnel_text, where="--funnel")
    if preset.funnel:
        return parse_funnel(preset.funnel, where=f"{preset.name} preset funnel")
    return ws.funnel()


def run_import(
    ws: Workspace, paths: list[Path], preset: Preset, *, funnel_text: str | None = None,
    skip_invalid: Path | None = None, progress: Progress | None = None,
) -> ImportResult:
    """Import `paths` with `preset` into the workspace, all or nothing."""
    con = ws.con
    before = ws.counts()
    raws = _load_all(con, paths, progress)
    pairs, ignored = _match(preset, raws)
    st = _Stage(con=con, funnel=_funnel_for(ws, preset, funnel_text))
    for n, (spec, raw) in enumerate(pairs):
        _stage_part(st, spec, raw, raws, n)
    staged = _union(st) if st.total == 0 or skip_invalid else {}
    fatal = [p for p in st.problems if p.row is None]
    if st.total and (skip_invalid is None or fatal):
        raise ValidationError(fatal or st.problems, total=len(fatal) or st.total)
    skipped = _write_bad(st, skip_invalid) if st.total and skip_invalid else 0
    written = _write(ws, staged, st, skipped > 0)
    used: dict[str, list[str]] = defaultdict(list)
    for spec, raw in pairs:
        used[spec.table].append(raw.label)
    return ImportResult(staged=written, before=before, after=ws.counts(), used=dict(used),
                        ignored=ignored, skipped=skipped)


def _write(ws: Workspace, staged: dict[str, str], st: _Stage, skip: bool) -> dict[str, int]:
    con = ws.con
    con.execute("BEGIN TRANSACTION")
    try:
        written = {t: _upsert(con, t, name, skip) for t, name in staged.items()}
        ws.set_meta("funnel", st.funnel.source)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return written
