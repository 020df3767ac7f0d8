"""`funnelwise coach`: this week's red flags, ranked by money at stake, with the evidence."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
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
    user_errors,
)
from funnelwise.coach.config import CoachConfig, Targets, coach_config, targets_config
from funnelwise.coach.context import build_context
from funnelwise.coach.rules import run_rules
from funnelwise.coach.status import reps_of
from funnelwise.metrics.scope import Scope, check
from funnelwise.presentation import coach as views
from funnelwise.schema.funnel import Funnel

ORDER = 60

WeekOpt = Annotated[dt.date | None, day_option(
    "--week", "A day of the week to coach (default: the last week with data through Friday).")]
ManagerOpt = Annotated[str | None, typer.Option("--manager", metavar="NAME",
                                                help="Only this manager's reps.")]
RuleOpt = Annotated[list[str] | None, typer.Option(
    "--rule", metavar="RULE", help="Only this rule; repeat for several "
    "(activity_goal_missed, conversion_drop, pipeline_gap, stalled_deals).")]
TargetOpt = Annotated[float | None, typer.Option(
    "--target", min=0.0, metavar="NUMBER",
    help="Weekly activity goal for reps without a plan ([targets] in the funnel file).")]
ConfidenceOpt = Annotated[float | None, rate_option(
    "--confidence", "How likely a drop or pipeline gap must be to flag (default 97%).")]
MinDropOpt = Annotated[float | None, rate_option(
    "--min-drop", "A drop counts when the rate fell by more than this share (default 10%).")]
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
    format: FormatOpt = Format.table, out: OutOpt = None,
) -> None:
    """Red flags of the week, ranked by money at stake, with evidence and questions to ask.

    Missed activity goals, real conversion drops, pipeline gaps, stalled deals.

    Example: funnelwise coach --week 2026-06-22 --manager "Harper Hall"
    """
    with open_workspace(workspace) as ws:
        crm = ws.crm(funnel_override(funnel))
        check(crm, Scope(manager=manager))
        config, targets = settings(crm.funnel, target, confidence=confidence,
                                   min_drop=min_drop, recent_weeks=recent_weeks,
                                   missed_weeks=missed_weeks)
        ctx = build_context(crm, week=week, config=config, targets=targets)
        mine = set(reps_of(ctx, manager))
        flags = [f for f in run_rules(ctx, rule) if f.rep in mine]
    names = {r: ctx.name(r) for r in mine}
    emit(views.coach_output(flags, names, week=ctx.week, manager=manager, config=config,
                            notes_=ctx.notes), format, out=out)


def register(app: typer.Typer) -> None:
    app.command()(coach)
