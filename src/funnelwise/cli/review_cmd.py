"""`funnelwise review`: every open deal with its flags and evidence; raw, qualified, realistic."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated, Any

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    ExplainOpt,
    Format,
    FormatOpt,
    FunnelOpt,
    WorkspaceOpt,
    console,
    day,
    funnel_override,
    open_workspace,
    user_errors,
)
from funnelwise.pipeline.calibration import calibrate, default_dates
from funnelwise.pipeline.review import Review
from funnelwise.pipeline.run import ReviewOptions, run_review
from funnelwise.presentation import pipeline as render
from funnelwise.schema.crm import Crm

ORDER = 46

AsOfOpt = Annotated[dt.datetime | None, typer.Option(
    "--as-of", formats=["%Y-%m-%d"], help="Review the pipeline as it stood at the start of this "
    "day, reconstructed from history (default: the latest data).")]
RepOpt = Annotated[str | None, typer.Option("--rep", help="Only this rep's deals and totals.")]
LimitOpt = Annotated[int, typer.Option(
    min=0, help="Rows of the deal and qualify-out tables to show (0: all; JSON has all).")]


def _write_json(payload: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def _explain(rv: Review) -> None:
    for name, sql in rv.sql().items():
        sys.stdout.write(f"-- {name}\n{sql}\n\n")
    sys.stdout.write("".join(f"-- {n}\n" for n in rv.notes))


def _show(rv: Review, fmt: Format, limit: int) -> None:
    if fmt is Format.json:
        _write_json(render.review_payload(rv))
        return
    if fmt is Format.csv:
        sys.stdout.write(render.review_csv(rv))
        return
    deals = rv.deals.sort_values(["amount", "opportunity_id"], ascending=[False, True])
    shown = deals.head(limit) if limit else deals
    console.print(render.deals_table(shown, f"Open deals, largest first ({len(shown)} of "
                                            f"{len(deals)}; ✗ disqualifying, • warning)"))
    console.print(render.totals_table(rv.totals))
    out = rv.qualify_out()
    console.print(render.deals_table(out.head(limit) if limit else out,
                                     f"Qualify out: {len(out)} deals with a disqualifying flag, "
                                     f"{out['amount'].sum():,.0f} at stake"))
    for note in rv.notes:
        console.print(f"[dim]{note}[/dim]", highlight=False)


def _calibration(crm: Crm, as_of: dt.datetime | None, every: int, dates: int,
                 fmt: Format) -> None:
    c = calibrate(crm, default_dates(crm, last=day(as_of), every=every, count=dates))
    if fmt is Format.json:
        _write_json(render.calibration_payload(c))
    elif fmt is Format.csv:
        c.dates.to_csv(sys.stdout, index=False)
    else:
        for table in render.calibration_tables(c):
            console.print(table)
        console.print(f"Brier score {c.brier:.4f} over {c.resolved:,} resolved (deal, date) "
                      f"pairs; constant team win rate {c.baseline_brier:.4f}; skill "
                      f"{c.skill:.1%}", highlight=False)


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
    stage_quantile: Annotated[float | None, typer.Option(
        help="Percentile of won deals' days in a stage that flags a stalled deal (0.9).")] = None,
    limit: LimitOpt = 25, workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    funnel: FunnelOpt = None, format: FormatOpt = Format.table, explain: ExplainOpt = False,
) -> None:
    """Evidence-based pipeline review: flags with their evidence, qualified and realistic value."""
    with open_workspace(workspace) as ws:
        crm = ws.crm(funnel_override(funnel))
        if calibration:
            _calibration(crm, as_of, every, dates, format)
            return
        rv = run_review(crm, as_of=day(as_of), rep=rep, options=ReviewOptions(
            no_activity_days=no_activity_days, amount_multiple=amount_multiple,
            stage_quantile=stage_quantile))
    if explain:
        _explain(rv)
    else:
        _show(rv, format, limit)


def register(app: typer.Typer) -> None:
    app.command()(review)
