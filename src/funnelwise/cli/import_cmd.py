"""`funnelwise import`: CSV or Parquet exports into the workspace, all or nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    WorkspaceOpt,
    console,
    day_option,
    user_errors,
    waiting,
)
from funnelwise.errors import UserError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from rich.table import Table

    from funnelwise.io.importer import ImportResult
    from funnelwise.io.validate import Settings

ORDER = 10


class _Bar:
    """Rich progress bar fed by the importer's (label, fraction) callbacks."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, label: str, fraction: float) -> None:
        if label not in self.tasks:
            self.tasks[label] = self.progress.add_task(f"reading {label}", total=1.0)
        self.progress.update(self.tasks[label], completed=fraction)


def _summary(result: ImportResult) -> Table:
    from rich.table import Table

    table = Table(title="Imported", title_justify="left")
    for col in ("table", "files", "rows in import", "before", "after"):
        table.add_column(col, justify="left" if col in ("table", "files") else "right")
    for name, rows in result.staged.items():
        table.add_row(name, ", ".join(sorted(set(result.used.get(name, [])))), f"{rows:,}",
                      f"{result.before[name]:,}", f"{result.after[name]:,}")
    return table


@user_errors
def import_(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of CSV/Parquet exports.")],
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    preset: Annotated[str | None, typer.Option(
        help="Layout of the files: canonical (default), maven, salesforce, hubspot.")] = None,
    mapping: Annotated[Path | None, typer.Option(
        help="A mapping TOML for any other layout (see docs/importing.md).")] = None,
    funnel: Annotated[Path | None, typer.Option(help="Funnel TOML to store with the data.")] = None,
    skip_invalid: Annotated[Path | None, typer.Option(
        help="Write rows with problems to this CSV and import the rest.")] = None,
    wait: Annotated[float, typer.Option(
        min=0, metavar="SECONDS", help="How long to wait for another process (a dashboard page, "
        "a report) to close the workspace.")] = 30,
    years: Annotated[str, typer.Option(
        metavar="FROM-TO", help="Dates outside these years are refused as typos.")] = "1900-2100",
    accept: Annotated[list[str] | None, typer.Option(
        metavar="CHECK", help="Import rows failing this check as they are, with a warning: "
        "closed-before-created (creation dates stamped when the data was loaded).")] = None,
    as_of: Annotated[dt.date | None, day_option(
        "--as-of", "The day the export shows the CRM as of "
        "(default: today), for an older export imported late; each import keeps what changed "
        "in the open deals since the last one.")] = None,
    measure: Annotated[bool, typer.Option(
        "--accuracy/--no-accuracy", help="After the import, measure how well the forecast "
        "and the win probabilities held on this history (what forecast, review and the brief "
        "then say).")] = True,
) -> None:
    """Import CRM exports; on any problem nothing is written and the exit code is 2.

    Example: funnelwise import --workspace sales.duckdb --preset maven exports/
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from funnelwise.io import presets
    from funnelwise.io.importer import run_import
    from funnelwise.io.workspace import Workspace

    if preset and mapping:
        raise UserError("give either --preset or --mapping, not both")
    if mapping:
        from funnelwise.io.mapping import load_mapping  # sqlglot: only with a mapping

        chosen = load_mapping(mapping)
    else:
        chosen = presets.get(preset or "canonical")
    funnel_text = _read(funnel, "funnel file") if funnel else None
    settings = replace(_settings(years, accept or []),
                       captured=as_of)
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    ws = Workspace(workspace, wait=wait, on_wait=waiting)
    with ws, Progress(*columns, console=console, transient=True) as bar:
        result = run_import(ws, paths, chosen, funnel_text=funnel_text,
                            skip_invalid=skip_invalid, progress=_Bar(bar), settings=settings)
    console.print(_summary(result))
    _report(result, layout=chosen.name, skip_invalid=skip_invalid, workspace=workspace)
    if measure:
        from funnelwise.cli.accuracy_cmd import measure_and_keep
        from funnelwise.presentation.accuracy import statement

        console.print(statement(measure_and_keep(workspace, wait=wait)), markup=False,
                      highlight=False)


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read {what} {path}: {exc}") from exc


def _settings(years: str, accept: list[str]) -> Settings:
    from funnelwise.errors import unknown_name
    from funnelwise.io.validate import ACCEPTABLE, Settings

    low, _, high = years.partition("-")
    if not (low.strip().isdigit() and high.strip().isdigit()) or int(low) > int(high):
        raise UserError(f"--years {years!r}: give two years, the earlier first, like 1900-2100")
    for name in accept:
        if name not in ACCEPTABLE:
            raise unknown_name("check for --accept", name, ACCEPTABLE)
    return Settings(earliest_year=int(low), latest_year=int(high), accept=frozenset(accept))


def _report(result: ImportResult, *, layout: str, skip_invalid: Path | None,
            workspace: Path) -> None:
    """What the summary table does not say: files ignored, notes, warnings, the funnel."""
    if result.ignored:
        console.print(f"[yellow]not part of the {layout} layout, ignored:[/yellow] "
                      + ", ".join(result.ignored))
    for note in result.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
    for warning in result.warnings:
        console.print(f"warning: {warning.render()}", markup=False, highlight=False)
    if result.funnel:
        console.print(f"funnel inferred from your data: {result.funnel}. To check or change "
                      f"it: funnelwise export --workspace {workspace} --funnel funnel.toml, "
                      "edit the file, then import again with --funnel funnel.toml",
                      markup=False, highlight=False)
    if result.skipped:
        console.print(f"[yellow]{result.skipped} row(s) with problems written to "
                      f"{skip_invalid}[/yellow]")


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
