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
    WorkspaceOpt,
    day,
    emit,
    open_workspace,
    user_errors,
)
from funnelwise.forecast.base import DRAWS

ORDER = 60

AsOfOpt = Annotated[dt.datetime | None, typer.Option(
    "--as-of", formats=["%Y-%m-%d"],
    help="Forecast with the CRM as it stood at the start of this day (default: the day "
         "after the latest record).")]
MethodOpt = Annotated[str, typer.Option(
    "--method", help="funnelwise, stage_weighted, run_rate, or all.")]
DrawsOpt = Annotated[int, typer.Option(min=100, help="Monte Carlo draws for P10/P50/P90.")]
SeedOpt = Annotated[int, typer.Option(help="Random seed (same seed, same figures).")]


@user_errors
def forecast(
    period: Annotated[str | None, typer.Option(
        help="Period: 2026-Q3, 2026-07 or 2026 (default: the quarter of the as-of day if a "
             "third of it remains, else the next).")] = None,
    by: Annotated[str, typer.Option("--by", help="all, rep, team, manager or region.")] = "all",
    as_of: AsOfOpt = None, method: MethodOpt = "funnelwise",
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, format: FormatOpt = Format.table,
    explain: ExplainOpt = False, draws: DrawsOpt = DRAWS, seed: SeedOpt = 0,
) -> None:
    """Won so far + open deals x P(won in the period | stage, age, rep) + deals to come."""
    from funnelwise.forecast.results import forecast_result, method_names
    from funnelwise.periods import parse_period
    from funnelwise.presentation import forecast as _views  # noqa: F401  (registers the terminal views)

    target = parse_period(period) if period else None
    with open_workspace(workspace) as ws:
        result = forecast_result(ws.crm(), period=target, as_of=day(as_of), by=by,
                                 methods=method_names(method), draws=draws, seed=seed)
        emit(result, format, explain)


def register(app: typer.Typer) -> None:
    app.command()(forecast)
