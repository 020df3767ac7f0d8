"""`winrates`, `funnel` and `cycle`: the first metrics, each a thin call into the core."""

from __future__ import annotations

from typing import Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    Engine,
    EngineOpt,
    ExplainOpt,
    Format,
    FormatOpt,
    FunnelOpt,
    LevelOpt,
    OutOpt,
    SinceOpt,
    UntilOpt,
    WorkspaceOpt,
    emit,
    open_crm,
    rep_names,
    user_errors,
)
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL

ORDER = 30

ByOpt = Annotated[str, typer.Option(
    "--by", metavar="GROUP",
    help="How to group: rep, manager, team, region, product, source or all.")]
FunnelByOpt = Annotated[str, typer.Option(
    "--by", metavar="GROUP", help="How to group: rep, manager, team, region or all.")]


@user_errors
def winrates(
    by: ByOpt = "rep", since: SinceOpt = None, until: UntilOpt = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, format: FormatOpt = Format.table,
    explain: ExplainOpt = False, level: LevelOpt = DEFAULT_LEVEL,
    prior_strength: Annotated[float | None, typer.Option(
        help="Fix the prior strength m (deals) instead of fitting it.")] = None,
    engine: EngineOpt = Engine.duckdb, out: OutOpt = None,
) -> None:
    """Win rate = won / (won + lost), by count and value, shrunk toward the team.

    Example: funnelwise winrates --by team --since 2026-01-01
    """
    from funnelwise.metrics import winrates as winrates_metric

    with open_crm(workspace, engine) as crm:
        result = winrates_metric.winrates(crm, by=by, since=since, until=until,
                                          level=level, prior_strength=prior_strength)
        emit(result, format, explain, out=out, names=rep_names(crm))


@user_errors
def funnel(
    by: FunnelByOpt = "rep", since: SinceOpt = None, until: UntilOpt = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, format: FormatOpt = Format.table,
    explain: ExplainOpt = False, level: LevelOpt = DEFAULT_LEVEL, funnel: FunnelOpt = None,
    engine: EngineOpt = Engine.duckdb, out: OutOpt = None,
) -> None:
    """Counts at each funnel step and the rate into the next (cohort rates for deal stages).

    Example: funnelwise funnel --by all --since 2026-01-01 --until 2026-03-31
    """
    from funnelwise.metrics import funnel as funnel_metric

    with open_crm(workspace, engine, funnel) as crm:
        result = funnel_metric.funnel(crm, by=by, since=since, until=until, level=level)
        emit(result, format, explain, out=out, names=rep_names(crm))


@user_errors
def cycle(
    by: ByOpt = "rep", since: SinceOpt = None, until: UntilOpt = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, format: FormatOpt = Format.table,
    explain: ExplainOpt = False, engine: EngineOpt = Engine.duckdb, out: OutOpt = None,
) -> None:
    """Sales-cycle days of won deals (creation to win): median, p25, p75, p90.

    Example: funnelwise cycle --by rep --format csv --out cycle.csv
    """
    from funnelwise.metrics import cycle as cycle_metric

    with open_crm(workspace, engine) as crm:
        result = cycle_metric.cycle(crm, by=by, since=since, until=until)
        emit(result, format, explain, out=out, names=rep_names(crm))


def register(app: typer.Typer) -> None:
    app.command()(winrates)
    app.command()(funnel)
    app.command()(cycle)
