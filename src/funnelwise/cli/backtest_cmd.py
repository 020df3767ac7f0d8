"""`backtest`: every forecast method replayed from rolling origins, scored on what happened."""

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
    console,
    open_workspace,
    user_errors,
)
from funnelwise.cli.forecast_cmd import MethodOpt, SeedOpt
from funnelwise.forecast.backtest import DRAWS

ORDER = 61

DateOpt = Annotated[dt.datetime, typer.Option(formats=["%Y-%m-%d"])]


@user_errors
def backtest(
    from_: Annotated[dt.datetime, typer.Option(
        "--from", formats=["%Y-%m-%d"], help="First origin (YYYY-MM-DD).")],
    to: Annotated[dt.datetime, typer.Option(
        "--to", formats=["%Y-%m-%d"], help="Last origin (YYYY-MM-DD), included.")],
    horizon: Annotated[str, typer.Option(help="Period forecast from each origin: 1q, 1m, 1y."
                                         )] = "1q",
    every: Annotated[str | None, typer.Option(
        help="Step between origins (default: the horizon), e.g. 1m.")] = None,
    method: MethodOpt = "all", workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    format: FormatOpt = Format.table, explain: ExplainOpt = False,
    draws: Annotated[int, typer.Option(min=100, help="Monte Carlo draws per forecast.")] = DRAWS,
    seed: SeedOpt = 0,
) -> None:
    """WAPE, bias, P10-P90 coverage and Brier score per method, with no look-ahead."""
    from funnelwise.forecast.backtest import run_backtest
    from funnelwise.forecast.horizon import origins, parse_horizon
    from funnelwise.forecast.results import backtest_results, method_names
    from funnelwise.presentation.forecast import emit_many

    span = parse_horizon(horizon)
    step = parse_horizon(every) if every else span
    days = origins(from_.date(), to.date(), step)
    with open_workspace(workspace) as ws:
        b = run_backtest(ws.crm(), methods=method_names(method), origins=days, horizon=span,
                         draws=draws, seed=seed)
        emit_many(backtest_results(b), fmt_name=format.value, explain=explain,
                  console=console, csv_index=1)


def register(app: typer.Typer) -> None:
    app.command()(backtest)
