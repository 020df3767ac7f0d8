"""Options every command shares, output in the chosen format, and user-facing errors."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from funnelwise.errors import FunnelwiseError, UserError
from funnelwise.io.workspace import DEFAULT_PATH, ENV_VAR, Workspace
from funnelwise.schema.funnel import Funnel, load_funnel

if TYPE_CHECKING:
    from funnelwise.metrics.result import MetricResult
    from funnelwise.schema.crm import Crm

console = Console()
err_console = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


WorkspaceOpt = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar=ENV_VAR, show_envvar=True,
    help="Workspace file (an embedded DuckDB database).")]
EngineOpt = Annotated[Engine, typer.Option(
    "--engine", envvar="FUNNELWISE_ENGINE", help="Where the queries run: duckdb, or spark "
    "(tables read as Parquet into a SparkSession). --workspace may also be a folder of "
    "canonical Parquet files (funnelwise export); see docs/scale.md.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="Print the SQL and filters behind "
                                          "the figures instead of the figures.")]
SinceOpt = Annotated[dt.datetime | None, typer.Option(
    "--since", formats=["%Y-%m-%d"], help="First date included (YYYY-MM-DD).")]
UntilOpt = Annotated[dt.datetime | None, typer.Option(
    "--until", formats=["%Y-%m-%d"], help="Last date included (YYYY-MM-DD).")]
FunnelOpt = Annotated[Path | None, typer.Option(
    "--funnel", help="Funnel TOML to use instead of the workspace's.")]
LevelOpt = Annotated[float, typer.Option(
    "--level", min=0.5, max=0.999, help="Interval level for shrunk estimates.")]
DEFAULT_WORKSPACE = Path(DEFAULT_PATH)


def day(value: dt.datetime | None) -> dt.date | None:
    return value.date() if value else None


def user_errors(func: F) -> F:
    """Turn funnelwise errors into a message on stderr and exit code 2 (1 for internal bugs)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as exc:
            err_console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False,
                              markup=True, soft_wrap=True)
            raise typer.Exit(2) from exc
        except FunnelwiseError as exc:
            err_console.print(f"internal error (please report): {exc}")
            raise typer.Exit(1) from exc

    return wrapper  # type: ignore[return-value]


def waiting(message: str) -> None:
    """Say on stderr, once, what an open is waiting for (another process holding the file)."""
    err_console.print(message, highlight=False, markup=False, soft_wrap=True)


def open_workspace(path: Path) -> Workspace:
    """The workspace to read; an import holding it is waited for a few seconds."""
    return Workspace(path, read_only=True, on_wait=waiting)


def funnel_override(path: Path | None) -> Funnel | None:
    return load_funnel(path) if path else None


def open_crm(workspace: Path, engine: Engine = Engine.duckdb,
             funnel: Path | None = None) -> AbstractContextManager[Crm]:
    """The workspace's tables (DuckDB file or Parquet folder) on the chosen engine."""
    from funnelwise.io import engines

    return engines.open_crm(workspace, engine=engine.value, funnel=funnel_override(funnel))


def emit(result: MetricResult, fmt: Format, explain: bool) -> None:
    """Print a metric result as the user asked."""
    from funnelwise.presentation import tables

    if explain:
        sys.stdout.write(tables.explain(result))
    elif fmt is Format.json:
        sys.stdout.write(tables.to_json(result) + "\n")
    elif fmt is Format.csv:
        sys.stdout.write(tables.to_csv(result))
    else:
        tables.print_table(console, result)
