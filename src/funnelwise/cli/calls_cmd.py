"""`calls`: the reps' forecast calls beside the model's view of the same deals, and each rep's
record of calls against what was won."""

from __future__ import annotations

from typing import Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    Format,
    FormatOpt,
    OutOpt,
    WorkspaceOpt,
    emit,
    open_workspace,
    rep_names,
    user_errors,
)
from funnelwise.cli.forecast_cmd import AsOfOpt, SeedOpt

ORDER = 61


@user_errors
def calls(
    period: Annotated[str | None, typer.Option(
        metavar="PERIOD", help="Period: 2026-Q3, 2026-07 or 2026 (default: the quarter of the "
        "as-of day if a third of it remains, else the next).")] = None,
    by: Annotated[str, typer.Option("--by", metavar="rep|manager",
                                    help="Per rep, or also rolled up per manager.")] = "rep",
    history: Annotated[int, typer.Option(
        "--history", min=1, max=12, help="How many past periods make each rep's record.")
    ] = 6,
    as_of: AsOfOpt = None, workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    format: FormatOpt = Format.table, seed: SeedOpt = 0, out: OutOpt = None,
) -> None:
    """Commit and best case as each rep calls them, the model's P50 (P10-P90) for the same
    deals, and each rep's record: who sandbags and who is optimistic.

    A call is the rep's latest in forecast_calls, else read from the forecast categories of
    their open deals.

    Example: funnelwise calls --period 2026-Q3 --by manager
    """
    from funnelwise.periods import parse_period
    from funnelwise.pipeline.calls import calls as calls_of
    from funnelwise.presentation.weekly import calls_view

    chosen = parse_period(period) if period else None
    with open_workspace(workspace) as ws:
        crm = ws.crm()
        result = calls_of(crm, period=chosen, as_of_day=as_of, by=by, periods=history,
                          seed=seed)
        emit(calls_view(result, names=rep_names(crm)), format, out=out)


def register(app: typer.Typer) -> None:
    app.command()(calls)
