"""`funnelwise effectiveness`: yield by activity type, fewer-better reps, change decomposition."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
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
    funnel_override,
    open_workspace,
    rep_names,
    user_errors,
)
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL

if TYPE_CHECKING:
    from funnelwise.metrics.effectiveness import Attribution

ORDER = 45

ByOpt = Annotated[str, typer.Option(
    "--by", metavar="GROUP", help="How to group: rep, team, manager, region or all.")]
TypeOpt = Annotated[list[str] | None, typer.Option(
    "--type", metavar="TYPE", help="Only this activity type; repeat for several.")]
OutcomeOpt = Annotated[list[str] | None, typer.Option(
    "--outcome", metavar="KIND",
    help="Only this outcome kind counts; repeat for several (default: every kind).")]
DaysOpt = Annotated[float | None, typer.Option(
    "--attribution-days", min=0.01,
    help="An outcome is credited to the rep's closest activity on the same lead or "
         "opportunity at most this many days before it (default 30, or attribution_days "
         "in the funnel file).")]
CompareOpt = Annotated[tuple[str, str] | None, typer.Option(
    "--compare", metavar="PERIOD_A PERIOD_B",
    help="Two periods (2026-Q1, 2026-03, 2026 or D..D): split the change in outcomes into "
         "volume and yield effects per step.")]
FewerOpt = Annotated[bool, typer.Option(
    "--fewer-better", help="Reps at or above their outcome target with below-median volume "
                           "(default window: the last 13 weeks).")]


def _attribution(base: Attribution, outcome: list[str] | None,
                 days: float | None) -> Attribution:
    out = base
    if outcome:
        out = replace(out, kinds=tuple(outcome))
    if days is not None:
        out = replace(out, window_days=days)
    return out


@user_errors
def effectiveness_command(
    by: ByOpt = "rep", type: TypeOpt = None, since: SinceOpt = None, until: UntilOpt = None,
    outcome: OutcomeOpt = None, attribution_days: DaysOpt = None, compare: CompareOpt = None,
    fewer_better: FewerOpt = False, workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    funnel: FunnelOpt = None, format: FormatOpt = Format.table, explain: ExplainOpt = False,
    level: LevelOpt = DEFAULT_LEVEL, out: OutOpt = None,
) -> None:
    """Volume, outputs, outcomes and yield per activity type, with shrunk estimates.

    Example: funnelwise effectiveness --by team --compare 2025-Q4 2026-Q2
    """
    from funnelwise.coach.fewer_better import for_window
    from funnelwise.metrics.decompose import compare_steps, compare_types, parse_window
    from funnelwise.metrics.effectiveness import attribution_config, effectiveness
    from funnelwise.presentation import coach as views

    with open_workspace(workspace) as ws:
        crm = ws.crm(funnel_override(funnel))
        names = rep_names(crm)
        attribution = _attribution(attribution_config(crm.funnel), outcome, attribution_days)
        if compare is not None:
            a, b = parse_window(compare[0]), parse_window(compare[1])
            results = [compare_steps(crm, a, b, by=by),
                       compare_types(crm, a, b, by=by, attribution=attribution)]
            emit(views.many_output(results, names), format, explain, out=out)
        elif fewer_better:
            fb = for_window(crm, since=since, until=until, attribution=attribution)
            emit(views.many_output(views.fewer_better_results(fb), names), format, explain,
                 out=out)
        else:
            emit(effectiveness(crm, by=by, since=since, until=until,
                               types=tuple(type or ()), attribution=attribution, level=level),
                 format, explain, out=out, names=names)


def register(app: typer.Typer) -> None:
    app.command("effectiveness")(effectiveness_command)
