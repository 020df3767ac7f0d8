"""`repeatability`: is a good period repeatable? Concentration, new vs repeat business,
products, pipeline."""

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
    emit,
    open_workspace,
    user_errors,
)
from funnelwise.cli.forecast_cmd import AsOfOpt
from funnelwise.cli.plan_cmds import Answer

ORDER = 63


@user_errors
def repeatability(
    period: Annotated[str | None, typer.Option(
        metavar="PERIOD",
        help="Period: 2026, 2026-Q3 or 2026-07 (default: the year of the latest record).")
    ] = None,
    next_periods: Annotated[int, typer.Option(
        "--next", min=1, max=8, help="How many following periods to check pipeline for.")] = 2,
    as_of: AsOfOpt = None, workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    format: FormatOpt = Format.table, explain: ExplainOpt = False, out: OutOpt = None,
) -> None:
    """Share of the top 1/3/10 deals, new vs repeat business, products, next periods' pipeline.

    New business is an account's first won deal ever; every later win from it is repeat.

    Example: funnelwise repeatability --period 2026 --next 2
    """
    from funnelwise.metrics.repeatability import repeatability as repeatability_metric
    from funnelwise.metrics.span import data_span
    from funnelwise.periods import parse_period
    from funnelwise.presentation.output import of_results, results_doc

    with open_workspace(workspace) as ws:
        crm = ws.crm()
        span = data_span(crm)
        today = span.check_day(as_of, "as-of day") if as_of else span.today
        label = period or str((today - dt.timedelta(days=1)).year)
        chosen = span.check(parse_period(label), "period")
        result = repeatability_metric(crm, period=chosen, next_count=next_periods, as_of=today)
    results = result.results()
    answer = Answer(period=result.period, as_of=result.as_of).json()  # what it answers for
    emit(of_results(results, doc={**answer, **results_doc(results)}), format, explain, out=out)


def register(app: typer.Typer) -> None:
    app.command()(repeatability)
