"""`funnelwise coach`: this week's red flags, ranked by money at stake, with the evidence."""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated

import typer
from rich.markup import escape

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    Format,
    FormatOpt,
    FunnelOpt,
    WorkspaceOpt,
    console,
    funnel_override,
    open_workspace,
    user_errors,
)
from funnelwise.coach.config import CoachConfig, Targets, coach_config, targets_config
from funnelwise.coach.context import build_context
from funnelwise.coach.rules import Flag, run_rules
from funnelwise.coach.status import reps_of
from funnelwise.coach.text import week as week_text
from funnelwise.metrics.result import MetricResult
from funnelwise.metrics.scope import Scope, check
from funnelwise.presentation import coach as views
from funnelwise.presentation import tables
from funnelwise.schema.funnel import Funnel

ORDER = 60

WeekOpt = Annotated[dt.datetime | None, typer.Option(
    "--week", formats=["%Y-%m-%d"],
    help="A day of the week to coach (default: the last week with data through Friday).")]
ManagerOpt = Annotated[str | None, typer.Option("--manager", help="Only this manager's reps.")]
RuleOpt = Annotated[list[str] | None, typer.Option("--rule", help="Only these rules (repeat).")]
TargetOpt = Annotated[float | None, typer.Option(
    "--target", min=0.0, help="Weekly activity goal for reps without a plan ([targets]).")]
ConfidenceOpt = Annotated[float | None, typer.Option(
    "--confidence", help="Posterior probability a drop or pipeline gap needs (default 0.97).")]
MinDropOpt = Annotated[float | None, typer.Option(
    "--min-drop", help="A drop counts when the rate fell by more than this share (0.1).")]
RecentOpt = Annotated[int | None, typer.Option(
    "--recent-weeks", help="The recent window in weeks (8).")]
MissedOpt = Annotated[int | None, typer.Option(
    "--missed-weeks", help="Weeks of the recent window the goal must be missed in (5).")]


def settings(funnel: Funnel, target: float | None, **options: object) -> tuple[CoachConfig,
                                                                              Targets]:
    """The funnel's [coach] and [targets] with command-line options on top."""
    return coach_config(funnel).with_options(**options), targets_config(funnel, target)


@user_errors
def coach(
    week: WeekOpt = None, manager: ManagerOpt = None, rule: RuleOpt = None,
    target: TargetOpt = None, confidence: ConfidenceOpt = None, min_drop: MinDropOpt = None,
    recent_weeks: RecentOpt = None, missed_weeks: MissedOpt = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, funnel: FunnelOpt = None,
    format: FormatOpt = Format.table,
) -> None:
    """Red flags of the week, ranked by money at stake, with evidence and questions to ask.

    Missed activity goals, real conversion drops, pipeline gaps, stalled deals.
    """
    with open_workspace(workspace) as ws:
        crm = ws.crm(funnel_override(funnel))
        check(crm, Scope(manager=manager))
        config, targets = settings(crm.funnel, target, confidence=confidence,
                                   min_drop=min_drop, recent_weeks=recent_weeks,
                                   missed_weeks=missed_weeks)
        ctx = build_context(crm, week=week.date() if week else None, config=config,
                            targets=targets)
        mine = set(reps_of(ctx, manager))
        flags = [f for f in run_rules(ctx, rule) if f.rep in mine]
    names = {r: ctx.name(r) for r in mine}
    result = views.flags_result(flags, names, ctx.week.isoformat(), config, ctx.notes)
    if format is Format.json:
        payload = {"week": ctx.week.isoformat(), "manager": manager,
                   "settings": result.filters, "notes": list(ctx.notes),
                   "flags": [views.flag_record(f, names[f.rep], i)
                             for i, f in enumerate(flags, start=1)]}
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
    elif format is Format.csv:
        sys.stdout.write(tables.to_csv(result))
    else:
        _print(flags, names, result, ctx.week, ctx.notes)


def _print(flags: list[Flag], names: dict[str, str], result: MetricResult, week: dt.date,
           notes: tuple[str, ...]) -> None:
    if flags:
        console.print(tables.rich_table(result, title=f"Red flags, week of {week_text(week)}"))
        views.print_flag_details(console, flags, names)
    else:
        console.print(f"No red flags in the week of {week_text(week)}.")
    for note in notes:
        console.print(f"[dim]{escape(note)}[/dim]", highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(coach)
