"""What an import decides before a row is read: which file feeds which canonical table, the
SELECT of each part, the columns each file carries, what is missing, the funnel to start from.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from funnelwise.errors import Problem, UserError, ValidationError, did_you_mean
from funnelwise.io import sources, validate
from funnelwise.io.presets import Preset
from funnelwise.io.sources import RawFile
from funnelwise.io.spec import Selected, TableSpec, select_sql
from funnelwise.io.vocabulary import Vocabulary
from funnelwise.io.workspace import Workspace
from funnelwise.schema import TABLES, Funnel
from funnelwise.schema.funnel import parse_funnel

REQUIRED = ("reps", "opportunities")
"""Tables every workspace needs: an import must bring them unless the workspace has them."""


@dataclass(frozen=True)
class Table:
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
class Plan:
    """Everything decided before a row is read, and the vocabulary once resolved."""

    tables: dict[str, Table]
    funnel: Funnel
    """The funnel to start from (`--funnel`, stored, the preset's, or the default)."""
    given: bool
    """The funnel is the user's own: unknown stages are errors, never inferred."""
    settings: validate.Settings
    used: dict[str, list[str]]
    ignored: list[str]
    notes: list[str]
    others: dict[str, RawFile]
    """Every file by lower-case stem, for expressions that look values up in another file."""
    missing: list[Problem]
    """Required tables neither the import nor the workspace has: said with the rows' problems."""
    vocabulary: Vocabulary | None = None
    """The funnel and stage recoding, resolved from the staged data."""


def match(preset: Preset, raws: dict[str, RawFile]) -> tuple[list[tuple[TableSpec, RawFile]],
                                                              list[str]]:
    """(spec, file) pairs of the preset's layout, and the files it does not use."""
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


def make_plan(ws: Workspace, paths: list[Path], preset: Preset, *, funnel_text: str | None,
              settings: validate.Settings) -> Plan:
    """Read the files' headers and decide everything else; problems found so far refuse."""
    raws = _open_all(ws.con, paths, preset)
    pairs, ignored = match(preset, raws)
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
    funnel, given = funnel_for(ws, preset, funnel_text)
    tables = {
        table: Table(name=table, parts=tuple(selected[table]),
                     specs=tuple(s for s, _ in members), raws=tuple(r for _, r in members),
                     checks=tuple(validate.checks(table, funnel, settings)))
        for table, members in grouped.items()
    }
    used: dict[str, list[str]] = defaultdict(list)
    for spec, raw in pairs:
        used[spec.table].append(raw.label)
    return Plan(tables=tables, funnel=funnel, given=given, settings=settings, used=dict(used),
                ignored=ignored, notes=notes, others=others,
                missing=_missing_tables(ws, grouped))


def _missing_tables(ws: Workspace, grouped: Mapping[str, object]) -> list[Problem]:
    counts = ws.counts()
    return [Problem(file=f"{table}.csv", row=None, column=None, value=None,
                    message=f"is missing: the import has no {table} file and the workspace "
                            f"holds no {table} yet",
                    hint=f"add the {table} export (every metric needs {table})")
            for table in REQUIRED if table not in grouped and not counts[table]]


def funnel_for(ws: Workspace, preset: Preset, funnel_text: str | None) -> tuple[Funnel, bool]:
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


def origin(plan: Plan, preset: Preset) -> str:
    """How the stored funnel came to be: given, inferred, the preset's or the default."""
    if plan.given:
        return "given"
    if plan.vocabulary is not None and plan.vocabulary.inferred:
        return "inferred"
    return "preset" if preset.funnel else "default"


def resolved(plan: Plan, words: Vocabulary) -> Plan:
    """The plan with the vocabulary resolved: each table's checks know the final funnel."""
    tables = {name: replace(t, checks=tuple(validate.checks(name, words.funnel, plan.settings)))
              for name, t in plan.tables.items()}
    return replace(plan, tables=tables, vocabulary=words)


def reopened(plan: Plan, table: Table, changed: dict[str, RawFile]) -> Plan:
    """The plan with some of a table's files opened again (read as Latin-1)."""
    raws = tuple(changed.get(r.label, r) for r in table.raws)
    others = {**plan.others, **{r.stem: r for r in raws}}
    parts = tuple(select_sql(spec, raw, others, part=i, located=False)
                  for i, (spec, raw) in enumerate(zip(table.specs, raws, strict=True)))
    notes = plan.notes + [f"{r.label} {n}" for r in changed.values() for n in r.notes[:1]]
    tables = {**plan.tables, table.name: replace(table, raws=raws, parts=parts)}
    return replace(plan, tables=tables, notes=notes, others=others)
