"""Import: look at the files, map them to canonical tables, check every cell, then write once.

The write is one transaction: either every table of the import is written or, on any problem,
nothing is. Rows are upserted by key (importing the same data twice changes no count), and
only the columns a file carries are written: a re-import of a file without `amount` leaves
the stored amounts alone. With `skip_invalid`, rows with problems go to that CSV file and the
rest are imported.

1. `planning`: the files' first bytes and headers; which file feeds which table.
2. `staging`: each table read once, typed and checked, into the workspace; the funnel
   resolved from the staged stage names.
3. If a check failed: roll back, locate the rows, and refuse (or, with `skip_invalid`, write
   them out and stage again without them).
4. `writing`: the staged tables moved into place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from funnelwise.errors import Problem, UserError, ValidationError
from funnelwise.io import validate
from funnelwise.io.planning import Plan, make_plan, origin, resolved
from funnelwise.io.presets import Preset
from funnelwise.io.references import unknown_references
from funnelwise.io.sources import Progress
from funnelwise.io.staging import (
    ReadFailed,
    Staged,
    apply_vocabulary,
    explain_read,
    locate,
    resolve_vocabulary,
    stage,
    summarise,
)
from funnelwise.io.workspace import Workspace
from funnelwise.io.writing import record_snapshots, write, write_rejects


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
class _Written:
    """What a committed import wrote: rows per table, how each was staged, its warnings."""

    plan: Plan
    rows: dict[str, int]
    staged: dict[str, Staged]
    warnings: list[Problem]


@dataclass(frozen=True)
class _Failed:
    """A rolled-back attempt: the plan (its vocabulary resolved) and the failing tables."""

    plan: Plan
    failing: dict[str, Staged]


def run_import(
    ws: Workspace, paths: list[Path], preset: Preset, *, funnel_text: str | None = None,
    skip_invalid: Path | None = None, progress: Progress | None = None,
    settings: validate.Settings | None = None,
) -> ImportResult:
    """Import `paths` with `preset` into the workspace, all or nothing."""
    if skip_invalid is not None and not skip_invalid.parent.is_dir():
        raise UserError(f"--skip-invalid {skip_invalid}: folder {skip_invalid.parent} "
                        "does not exist")
    before = ws.counts()
    plan = make_plan(ws, paths, preset, funnel_text=funnel_text,
                     settings=settings or validate.Settings())
    for _ in range(len(plan.used) + 1):
        try:
            outcome = _attempt(ws, plan, preset, progress, bad={})
            break
        except ReadFailed as failed:
            plan = explain_read(ws.con, plan, failed)
    else:  # pragma: no cover - each retry reads one more file as Latin-1
        raise UserError("the files could not be read")
    if isinstance(outcome, _Written):
        return _result(ws, outcome, before=before, skipped=0)
    return _refuse_or_skip(ws, outcome, preset, skip_invalid, progress, before)


def _refuse_or_skip(ws: Workspace, failed: _Failed, preset: Preset, skip_invalid: Path | None,
                    progress: Progress | None, before: dict[str, int]) -> ImportResult:
    """Locate the problems; refuse, or write the bad rows out and import the others."""
    plan = failed.plan
    located = [locate(ws.con, plan, plan.tables[name], staged, progress)
               for name, staged in failed.failing.items()]
    problems = [p for found in located for p in found.problems]
    repeated = [p for found in located for p in found.repeated]
    if skip_invalid is None or repeated or plan.missing:
        raise ValidationError(plan.missing + sorted(problems + repeated,
                                                    key=lambda p: (p.file, p.row or 0)))
    skipped = write_rejects(ws.con, located, skip_invalid)
    bad = {n: validate.error_mask(plan.tables[n].checks) for n in failed.failing}
    written = _attempt(ws, plan, preset, progress, bad=bad)
    if not isinstance(written, _Written):  # pragma: no cover - the same rows, staged again
        raise UserError("the files changed during the import; run it again")
    return _result(ws, written, before=before, skipped=skipped)


def _attempt(ws: Workspace, plan: Plan, preset: Preset, progress: Progress | None, *,
             bad: dict[str, int]) -> _Written | _Failed:
    """One transaction: stage every table, resolve the funnel; commit if nothing is wrong
    (rows with a `bad` bit left out), else roll back and say which tables failed."""
    con = ws.con
    con.execute("BEGIN TRANSACTION")
    try:
        names = {name: stage(con, plan, table, progress) for name, table in plan.tables.items()}
        if plan.vocabulary is None:
            words = resolve_vocabulary(ws, plan, names)
            plan = resolved(plan, words)
            for name, table in plan.tables.items():
                apply_vocabulary(con, table, names[name], words)
        assert plan.vocabulary is not None
        staged = {name: summarise(con, plan.tables[name], names[name]) for name in names}
        failing = {n: s for n, s in staged.items() if s.errors(plan.tables[n]) and n not in bad}
        if failing:
            con.execute("ROLLBACK")
            return _Failed(plan=plan, failing=failing)
        if plan.missing:
            raise ValidationError(plan.missing)
        warnings = [w for name, s in staged.items() for w in validate.warning_problems(
            con, staged=s.name, found=plan.tables[name].checks, bits=s.bits,
            files=plan.tables[name].files)]
        rows = {name: write(con, plan.tables[name], s, bad=bad.get(name, 0))
                for name, s in staged.items()}
        if "opportunities" in plan.tables:
            record_snapshots(con, plan.settings.captured or dt.date.today())
        ws.new_data()
        ws.set_meta("funnel", plan.vocabulary.funnel.source)
        ws.set_meta("funnel_origin", origin(plan, preset))
        warnings += unknown_references(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return _Written(plan=plan, rows=rows, staged=staged, warnings=warnings)


def _result(ws: Workspace, written: _Written, *, before: dict[str, int],
            skipped: int) -> ImportResult:
    plan = written.plan
    empty = [f"{raw.label} has a header and no data rows: nothing to import from it"
             for name, table in plan.tables.items() for i, raw in enumerate(table.raws)
             if not written.staged[name].rows.get(i)]
    inferred = plan.vocabulary.inferred if plan.vocabulary else ""
    return ImportResult(staged=written.rows, before=before, after=ws.counts(), used=plan.used,
                        ignored=plan.ignored, skipped=skipped, notes=plan.notes + empty,
                        warnings=written.warnings, funnel=inferred)

