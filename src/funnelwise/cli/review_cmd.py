"""`funnelwise review`: every open deal with its flags and evidence; raw, qualified, realistic."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from funnelwise.cli.accuracy_cmd import kept
from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    ExplainOpt,
    Format,
    FormatOpt,
    FunnelOpt,
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
from funnelwise.pipeline.calibration import calibrate, default_dates
from funnelwise.pipeline.run import ReviewOptions, run_review
from funnelwise.presentation import pipeline as render
from funnelwise.presentation.accuracy import with_accuracy

ORDER = 46

AsOfOpt = Annotated[dt.date | None, day_option(
    "--as-of", "Review the pipeline as it stood at the start of this day, reconstructed from "
    "history (default: the latest data).")]
RepOpt = Annotated[str | None, typer.Option("--rep", metavar="REP",
                                            help="Only this rep's deals and totals.")]
LimitOpt = Annotated[int, typer.Option(
    min=0, help="Rows of the deal and qualify-out tables to show (0: all; JSON has all).")]


@user_errors
def review(
    rep: RepOpt = None, as_of: AsOfOpt = None,
    calibration: Annotated[bool, typer.Option(
        "--calibration", help="Replay the realistic value on past dates (the last one --as-of) "
        "and score the win probabilities against what closed.")] = False,
    every: Annotated[int, typer.Option(min=1, help="Days between calibration dates.")] = 30,
    dates: Annotated[int, typer.Option(min=1, help="Number of calibration dates.")] = 6,
    no_activity_days: Annotated[float | None, typer.Option(
        min=0, help="Days without customer activity that disqualify a deal (default 30).")] = None,
    amount_multiple: Annotated[float | None, typer.Option(
        min=0, help="Multiple of the rep's average won deal that flags an amount (default 3).")
    ] = None,
    stage_quantile: Annotated[float | None, rate_option(
        "--stage-quantile", "Percentile of won deals' days in a stage that flags a stalled "
        "deal (default 90%).")] = None,
    limit: LimitOpt = 25, workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    funnel: FunnelOpt = None, format: FormatOpt = Format.table, explain: ExplainOpt = False,
    out: OutOpt = None,
) -> None:
    """Evidence-based pipeline review: flags with their evidence, qualified and realistic value.

    Example: funnelwise review --as-of 2026-06-01 --rep R011
    """
    with open_workspace(workspace) as ws:
        crm = ws.crm(funnel_override(funnel))
        if calibration:
            c = calibrate(crm, default_dates(crm, last=as_of, every=every, count=dates))
            emit(render.calibration_view(c), format, explain, out=out)
            return
        rv = run_review(crm, as_of=as_of, rep=rep, options=ReviewOptions(
            no_activity_days=no_activity_days, amount_multiple=amount_multiple,
            stage_quantile=stage_quantile))
        names = rep_names(crm)
        acc = kept(ws)
    emit(with_accuracy(render.review_view(rv, limit=limit, names=names), acc), format,
         explain, out=out)


def register(app: typer.Typer) -> None:
    app.command()(review)
