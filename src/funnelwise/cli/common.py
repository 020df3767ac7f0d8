"""Options every command shares, the one `emit` of every command's output, user errors.

Dates are typed YYYY-MM-DD (`day_option`), rates as `15%` or `0.15` (`rate_option`); a bad
value is refused with the flag and the expected form, exit code 2. `--since` after `--until`
is refused the same way for every command that takes both.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text
from typer._click.exceptions import UsageError

from funnelwise import formats
from funnelwise.errors import FunnelwiseError, UserError
from funnelwise.io.workspace import DEFAULT_PATH, ENV_VAR, Workspace
from funnelwise.schema.funnel import Funnel, load_funnel

if TYPE_CHECKING:
    from funnelwise.metrics.result import MetricResult
    from funnelwise.presentation.output import Output
    from funnelwise.schema.crm import Crm


class _Console(Console):
    """A Rich console whose size follows COLUMNS and LINES at each print. Rich reads them
    once, when the console is made, so a command run in the same process after they changed
    (a test runner, an embedding tool) kept the width of whichever command came first."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._width = self._height = None  # Console.size reads the environment when None


console = _Console()
err_console = _Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])
CURRENCY_KEY = formats.CURRENCY_KEY  # the setting money is shown in (`funnelwise settings`)


class Engine(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


def parse_day(flag: str) -> Callable[[Any], dt.date | None]:
    """A parser of YYYY-MM-DD for `flag`; anything else is refused, naming the flag."""
    def parse(value: Any) -> dt.date | None:
        if value is None or isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise UsageError(f"{flag} {value} is not a date (YYYY-MM-DD)") from None
    return parse


def day_option(flag: str, help: str, **kwargs: Any) -> Any:
    """An option taking one day, YYYY-MM-DD."""
    return typer.Option(flag, parser=parse_day(flag), metavar="YYYY-MM-DD", help=help, **kwargs)


def parse_rate_for(flag: str, *, low: float = 0.0, high: float = 1.0) -> Callable[[Any], float]:
    """A parser of a rate typed as `15%` or `0.15` for `flag`, between `low` and `high`."""
    def parse(value: Any) -> float:
        if isinstance(value, int | float):
            return float(value)
        try:
            rate = formats.parse_rate(str(value))
        except ValueError:
            raise UsageError(f"{flag} {value} is not a rate (give 15% or 0.15)") from None
        if not low <= rate <= high:
            raise UsageError(f"{flag} {value} is outside {formats.pct(low)} to "
                             f"{formats.pct(high)} (give 15% or 0.15)")
        return rate
    return parse


def rate_option(flag: str, help: str, **kwargs: Any) -> Any:
    """An option taking a rate, typed as `15%` or `0.15`."""
    return typer.Option(flag, parser=parse_rate_for(flag), metavar="RATE", help=help, **kwargs)


WorkspaceOpt = Annotated[Path, typer.Option(
    "--workspace", "-w", envvar=ENV_VAR, show_envvar=True, metavar="PATH",
    help="Workspace file (an embedded DuckDB database).")]
EngineOpt = Annotated[Engine, typer.Option(
    "--engine", envvar="FUNNELWISE_ENGINE", help="Where the queries run: duckdb, or spark "
    "(tables read as Parquet into a SparkSession). --workspace may also be a folder of "
    "canonical Parquet files (funnelwise export); see docs/scale.md.")]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
ExplainOpt = Annotated[bool, typer.Option("--explain", help="Print the SQL and filters behind "
                                          "the figures instead of the figures.")]
OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", metavar="PATH", help="Write JSON or CSV to this file instead of the "
    "terminal; with --format csv and several tables, a folder of one <table>.csv each.")]
SinceOpt = Annotated[dt.date | None, day_option("--since", "First date included.")]
UntilOpt = Annotated[dt.date | None, day_option("--until", "Last date included.")]
FunnelOpt = Annotated[Path | None, typer.Option(
    "--funnel", metavar="PATH", help="Funnel TOML to use instead of the workspace's.")]
LevelOpt = Annotated[float, typer.Option(
    "--level", parser=parse_rate_for("--level", low=0.5, high=0.999), metavar="RATE",
    help="Interval level for shrunk estimates, 50% to 99.9%.")]
DEFAULT_WORKSPACE = Path(DEFAULT_PATH)


def day(value: dt.date | None) -> dt.date | None:
    """The day an option gave (a date; a datetime's day)."""
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def check_window(since: dt.date | None, until: dt.date | None) -> None:
    """`--since` after `--until` is a user error (it would give nothing, silently)."""
    if since is not None and until is not None and day(since) > day(until):  # type: ignore[operator]
        raise UserError(f"--since {day(since)} is after --until {day(until)}: give the earlier "
                        "date first")


def user_errors(func: F) -> F:
    """Turn funnelwise errors into a message on stderr and exit code 2 (1 for internal bugs).

    Every command runs with no currency until it opens its workspace (`open_workspace` reads
    the setting), and its `--since` and `--until`, when it has both, are checked here."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            with formats.using_currency(None):
                check_window(kwargs.get("since"), kwargs.get("until"))
                return func(*args, **kwargs)
        except UserError as exc:
            err_console.print(Text.assemble(("error:", "red"), " ", str(exc)),
                              highlight=False, soft_wrap=True)
            raise typer.Exit(2) from exc
        except FunnelwiseError as exc:
            err_console.print(Text(f"internal error (please report): {exc}"))
            raise typer.Exit(1) from exc

    return wrapper  # type: ignore[return-value]


def waiting(message: str) -> None:
    """Say on stderr, once, what an open is waiting for (another process holding the file)."""
    err_console.print(message, highlight=False, markup=False, soft_wrap=True)


def read_settings(ws: Workspace) -> None:
    """Read the workspace's display settings once for this command (the currency)."""
    formats.set_currency(ws.get_meta(CURRENCY_KEY))


def open_workspace(path: Path) -> Workspace:
    """The workspace to read; an import holding it is waited for a few seconds. Its
    currency setting applies to every figure the command prints."""
    ws = Workspace(path, read_only=True, on_wait=waiting)
    read_settings(ws)
    return ws


def funnel_override(path: Path | None) -> Funnel | None:
    return load_funnel(path) if path else None


def open_crm(workspace: Path, engine: Engine = Engine.duckdb,
             funnel: Path | None = None) -> AbstractContextManager[Crm]:
    """The workspace's tables (DuckDB file or Parquet folder) on the chosen engine."""
    from funnelwise.io import engines

    return engines.open_crm(workspace, engine=engine.value, funnel=funnel_override(funnel),
                            on_open=read_settings)


def rep_names(crm: Crm) -> dict[str, str]:
    """rep id -> name, for showing reps as 'Name (id)'."""
    from funnelwise.metrics.dimensions import rep_names as names_of

    return names_of(crm)


def emit(what: MetricResult | Sequence[MetricResult] | Output, fmt: Format,
         explain: bool = False, *, out: Path | None = None,
         names: Mapping[str, str] | None = None) -> None:
    """Print a command's output as the user asked: the terminal view, JSON, or CSV of every
    table (to `out` when given: a file, or a folder of one CSV per table), or --explain."""
    from funnelwise.frames import json_text
    from funnelwise.metrics.result import MetricResult
    from funnelwise.presentation.output import of_result, of_results

    laid_out = explain or fmt is Format.table  # JSON and CSV need no view and no SQL
    if isinstance(what, MetricResult):
        output = of_result(what, names=names, laid_out=laid_out)
    elif isinstance(what, Sequence):
        output = of_results(list(what), names=names, laid_out=laid_out)
    else:
        output = what
    if explain:
        write_out(output.explained(), out)
    elif fmt is Format.json:
        write_out(json_text(output.doc) + "\n", out)
    elif fmt is Format.csv:
        _csv(output, out)
    elif out is not None:
        raise UserError(f"--out {out} writes JSON or CSV: add --format json or --format csv")
    else:
        for item in output.show:
            console.print(item, highlight=False)


def _csv(output: Output, out: Path | None) -> None:
    if out is None or (len(output.tables) == 1 and not out.is_dir()):
        write_out(output.csv(), out)
        return
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot make folder {out}: {exc.strerror}") from exc
    for name, text in output.csv_files().items():
        write_out(text, out / name)
    err_console.print(f"wrote {', '.join(output.csv_files())} to {out}", markup=False,
                      highlight=False)


def program() -> str:
    """How to type this funnelwise in the shell it runs from: `funnelwise` when the shell
    finds this one, else the path it was started by (`.venv/bin/funnelwise` before the
    virtual environment is activated, as `make demo` runs it)."""
    import shutil

    started = Path(sys.argv[0])
    if started.name != "funnelwise":
        return "funnelwise"
    found = shutil.which("funnelwise")
    if found and Path(found).resolve() == started.resolve():
        return "funnelwise"
    return str(started)


def write_out(text: str, out: Path | None) -> None:
    """`text` on standard output, or in the file `out` (a user error naming it if it cannot
    be written)."""
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror}") from exc
