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
    OutOpt,
    WorkspaceOpt,
    day_option,
    emit,
    open_workspace,
    user_errors,
)
from funnelwise.cli.forecast_cmd import MethodOpt, SeedOpt
from funnelwise.errors import UserError
from funnelwise.forecast.backtest import DRAWS

ORDER = 61

@user_errors
def backtest(
    from_: Annotated[dt.date | None, day_option(
        "--from", "First origin (default: with --to, the first of each month over the last "
        "year whose period is over in the data, as `funnelwise accuracy` replays).")] = None,
    to: Annotated[dt.date | None, day_option("--to", "Last origin, included.")] = None,
    horizon: Annotated[str, typer.Option(
        metavar="1m|1q|1y", help="Period forecast from each origin (2q, 6m: any count).")
    ] = "1q",
    every: Annotated[str | None, typer.Option(
        metavar="STEP", help="Step between origins (default: the horizon), e.g. 1m.")] = None,
    method: MethodOpt = "all", workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    format: FormatOpt = Format.table, explain: ExplainOpt = False,
    draws: Annotated[int, typer.Option(min=100, help="Monte Carlo draws per forecast.")] = DRAWS,
    seed: SeedOpt = 0, out: OutOpt = None,
) -> None:
    """WAPE, bias, P10-P90 coverage and Brier score per method, with no look-ahead.

    Example: funnelwise backtest --from 2025-07-01 --to 2026-04-01 --horizon 1q
    """
    from funnelwise.forecast.backtest import run_backtest
    from funnelwise.forecast.horizon import origins, parse_horizon
    from funnelwise.forecast.results import backtest_results, method_names

    if (from_ is None) != (to is None):
        raise UserError("give both --from and --to, or neither (the last year, monthly)")
    if from_ is not None and to is not None and from_ > to:
        raise UserError(f"--from {from_} is after --to {to}: give the earlier date first")
    span = parse_horizon(horizon)
    step = parse_horizon(every) if every else span
    with open_workspace(workspace) as ws:
        crm = ws.crm()
        if from_ is None or to is None:
            from funnelwise.pipeline.accuracy import default_origins

            days = default_origins(crm, months=span.months)
        else:
            days = origins(from_, to, step)
        b = run_backtest(crm, methods=method_names(method), origins=days, horizon=span,
                         draws=draws, seed=seed)
    emit(list(backtest_results(b)), format, explain, out=out)


def register(app: typer.Typer) -> None:
    app.command()(backtest)
