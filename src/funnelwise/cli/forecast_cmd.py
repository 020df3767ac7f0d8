"""`forecast`: revenue a period will bring, P10/P50/P90, per method, group and as-of day."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    ExplainOpt,
    Format,
    FormatOpt,
    OutOpt,
    WorkspaceOpt,
    day_option,
    emit,
    open_workspace,
    rep_names,
    user_errors,
)
from funnelwise.forecast.base import DRAWS

ORDER = 60

AsOfOpt = Annotated[dt.date | None, day_option(
    "--as-of", "Forecast with the CRM as it stood at the start of this day (default: the day "
    "after the latest record).")]
MethodOpt = Annotated[str, typer.Option(
    "--method", metavar="METHOD",
    help="Forecast method: funnelwise, stage_weighted, run_rate, or all (every registered "
    "one).")]
DrawsOpt = Annotated[int, typer.Option(min=100, help="Monte Carlo draws for P10/P50/P90.")]
SeedOpt = Annotated[int, typer.Option(help="Random seed (same seed, same figures).")]


@user_errors
def forecast(
    period: Annotated[str | None, typer.Option(
        metavar="PERIOD",
        help="Period: 2026-Q3, 2026-07 or 2026 (default: the quarter of the as-of day if a "
             "third of it remains, else the next).")] = None,
    by: Annotated[str, typer.Option(
        "--by", metavar="GROUP", help="How to group: all, rep, team, manager or region.")
    ] = "all",
    as_of: AsOfOpt = None, method: MethodOpt = "funnelwise",
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, format: FormatOpt = Format.table,
    explain: ExplainOpt = False, draws: DrawsOpt = DRAWS, seed: SeedOpt = 0,
    out: OutOpt = None,
) -> None:
    """Won so far + open deals x P(won in the period | stage, age, rep) + deals to come.

    Example: funnelwise forecast --period 2026-Q3 --method all --by team
    """
    from funnelwise.cli.accuracy_cmd import kept
    from funnelwise.forecast.results import forecast_result, method_names
    from funnelwise.periods import parse_period
    from funnelwise.presentation import forecast as _views  # noqa: F401  (registers the terminal views)
    from funnelwise.presentation.accuracy import with_accuracy
    from funnelwise.presentation.output import of_result

    target = parse_period(period) if period else None
    with open_workspace(workspace) as ws:
        crm = ws.crm()
        result = forecast_result(crm, period=target, as_of=as_of, by=by,
                                 methods=method_names(method), draws=draws, seed=seed)
        names = rep_names(crm)
        acc = kept(ws)
    emit(with_accuracy(of_result(result, names=names), acc), format, explain, out=out)


def register(app: typer.Typer) -> None:
    app.command()(forecast)
