"""`funnelwise import`: CSV or Parquet exports into the workspace, all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from funnelwise.cli.common import DEFAULT_WORKSPACE, WorkspaceOpt, console, user_errors, waiting
from funnelwise.errors import UserError

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID
    from rich.table import Table

    from funnelwise.io.importer import ImportResult

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
) -> None:
    """Import CRM exports; on any problem nothing is written and the exit code is 2."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from funnelwise.io import presets
    from funnelwise.io.importer import run_import
    from funnelwise.io.mapping import load_mapping
    from funnelwise.io.workspace import Workspace

    if preset and mapping:
        raise UserError("give either --preset or --mapping, not both")
    chosen = load_mapping(mapping) if mapping else presets.get(preset or "canonical")
    funnel_text = funnel.read_text(encoding="utf-8") if funnel else None
    columns = (TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn())
    ws = Workspace(workspace, wait=wait, on_wait=waiting)
    with ws, Progress(*columns, console=console, transient=True) as bar:
        result = run_import(ws, paths, chosen, funnel_text=funnel_text,
                            skip_invalid=skip_invalid, progress=_Bar(bar))
    console.print(_summary(result))
    if result.ignored:
        console.print(f"[yellow]not part of the {chosen.name} layout, ignored:[/yellow] "
                      + ", ".join(result.ignored))
    if result.skipped:
        console.print(f"[yellow]{result.skipped} row(s) with problems written to "
                      f"{skip_invalid}[/yellow]")


def register(app: typer.Typer) -> None:
    app.command("import")(import_)
