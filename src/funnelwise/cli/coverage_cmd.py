"""`funnelwise coverage`: pipeline coverage against each rep's own win rate, not a blanket 3x."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    ExplainOpt,
    Format,
    FormatOpt,
    FunnelOpt,
    LevelOpt,
    OutOpt,
    WorkspaceOpt,
    day_option,
    emit,
    funnel_override,
    open_workspace,
    rate_option,
    rep_names,
    user_errors,
)
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL
from funnelwise.pipeline.coverage import CoverageOptions
from funnelwise.pipeline.run import run_coverage
from funnelwise.presentation import pipeline as render

ORDER = 45


@user_errors
def coverage(
    period: Annotated[str | None, typer.Option(
        metavar="PERIOD",
        help="Period: 2026-Q3, 2026-07 or 2026 (default: the quarter of --as-of).")] = None,
    by: Annotated[str, typer.Option("--by", metavar="rep|manager|team",
                                    help="How to group.")] = "rep",
    as_of: Annotated[dt.date | None, day_option(
        "--as-of", "Judge the pipeline as it stood at the start of this day (default: the "
        "latest data).")] = None,
    blanket: Annotated[float | None, typer.Option(
        min=0, help="Add what a blanket multiple (e.g. 3) would conclude, and whom it "
                    "misjudges.")] = None,
    lookback_days: Annotated[int, typer.Option(
        min=1, help="Days of closed deals before --as-of that give the win rate.")] = 365,
    over_factor: Annotated[float, typer.Option(
        min=1, help="Coverage above this multiple of the requirement is over-covered.")] = 2.0,
    inflation_share: Annotated[float, rate_option(
        "--inflation-share", "Over-covered with at least this share of pipeline value "
                             "disqualified by the review is inflated (25% or 0.25).")] = 0.25,
    prior_strength: Annotated[float | None, typer.Option(
        min=0, help="Fix the prior strength m (deals) instead of fitting it; 0: raw rates.")
    ] = None,
    level: LevelOpt = DEFAULT_LEVEL, workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    funnel: FunnelOpt = None, format: FormatOpt = Format.table, explain: ExplainOpt = False,
    out: OutOpt = None,
) -> None:
    """Coverage = pipeline / remaining target, against required coverage = 1 / win rate.

    Example: funnelwise coverage --period 2026-Q3 --blanket 3
    """
    opts = CoverageOptions(lookback_days=lookback_days, over_factor=over_factor,
                           inflation_share=inflation_share, blanket=blanket, level=level,
                           prior_strength=prior_strength)
    with open_workspace(workspace) as ws:
        crm = ws.crm(funnel_override(funnel))
        result = run_coverage(crm, period=period, as_of=as_of, by=by, opts=opts)
        names = rep_names(crm)
    emit(render.coverage_view(result, names), format, explain, out=out)


def register(app: typer.Typer) -> None:
    app.command()(coverage)
