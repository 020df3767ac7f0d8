"""`funnelwise effectiveness`: yield by activity type, fewer-better reps, change decomposition."""

from __future__ import annotations

import json
import sys
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
    SinceOpt,
    UntilOpt,
    WorkspaceOpt,
    console,
    day,
    emit,
    funnel_override,
    open_workspace,
    user_errors,
)
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL

if TYPE_CHECKING:
    from funnelwise.metrics.effectiveness import Attribution
    from funnelwise.metrics.result import MetricResult

ORDER = 45

ByOpt = Annotated[str, typer.Option("--by", help="Group by rep, team, manager, region or all.")]
TypeOpt = Annotated[list[str] | None, typer.Option(
    "--type", help="Only these activity types (repeat).")]
OutcomeOpt = Annotated[list[str] | None, typer.Option(
    "--outcome", help="Only these outcome kinds count (repeat; default: every kind).")]
DaysOpt = Annotated[float | None, typer.Option(
    "--attribution-days", min=0.01,
    help="An outcome is credited to the rep's closest activity on the same lead or "
         "opportunity at most this many days before it (default 30, or attribution_days "
         "in the funnel file).")]
CompareOpt = Annotated[tuple[str, str] | None, typer.Option(
    "--compare", help="PERIOD_A PERIOD_B (2026-Q1, 2026-03, 2026 or D..D): split the change "
                      "in outcomes into volume and yield effects per step.")]
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


def _emit_many(results: list[MetricResult], fmt: Format, explain: bool) -> None:
    from funnelwise.presentation import tables

    if fmt is Format.json and not explain:
        payload = {r.name: {"rows": r.records(), "filters": r.filters, "notes": list(r.notes)}
                   for r in results}
        sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")
        return
    for r in results:
        if fmt is Format.table and not explain:
            tables.print_table(console, r)
        else:
            emit(r, fmt, explain)


@user_errors
def effectiveness_command(
    by: ByOpt = "rep", type: TypeOpt = None, since: SinceOpt = None, until: UntilOpt = None,
    outcome: OutcomeOpt = None, attribution_days: DaysOpt = None, compare: CompareOpt = None,
    fewer_better: FewerOpt = False, workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    funnel: FunnelOpt = None, format: FormatOpt = Format.table, explain: ExplainOpt = False,
    level: LevelOpt = DEFAULT_LEVEL,
) -> None:
    """Volume, outputs, outcomes and yield per activity type, with shrunk estimates."""
    from funnelwise.coach.fewer_better import for_window
    from funnelwise.metrics.decompose import compare_steps, compare_types, parse_window
    from funnelwise.metrics.effectiveness import attribution_config, effectiveness
    from funnelwise.presentation import coach as views

    with open_workspace(workspace) as ws:
        crm = ws.crm(funnel_override(funnel))
        attribution = _attribution(attribution_config(crm.funnel), outcome, attribution_days)
        if compare is not None:
            a, b = parse_window(compare[0]), parse_window(compare[1])
            _emit_many([compare_steps(crm, a, b, by=by),
                        compare_types(crm, a, b, by=by, attribution=attribution)],
                       format, explain)
        elif fewer_better:
            fb = for_window(crm, since=day(since), until=day(until), attribution=attribution)
            _emit_many(list(views.fewer_better_results(fb)), format, explain)
        else:
            emit(effectiveness(crm, by=by, since=day(since), until=day(until),
                               types=tuple(type or ()), attribution=attribution, level=level),
                 format, explain)


def register(app: typer.Typer) -> None:
    app.command("effectiveness")(effectiveness_command)
