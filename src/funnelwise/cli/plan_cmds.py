"""`plan` (backwards from quota to activity) and `project` (forwards from a plan to revenue)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
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
    rate_option,
    rep_names,
    user_errors,
)
from funnelwise.errors import UserError
from funnelwise.formats import count, date, pct
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL
from funnelwise.metrics.span import data_span
from funnelwise.periods import Period, default_period, parse_period
from funnelwise.plan import PlanVolumes, Projection, RepFunnel, Target, WhatIf
from funnelwise.plan import project as project_core
from funnelwise.plan.estimate import MIN_DEALS, Options
from funnelwise.plan.explicit import Explicit, explicit_funnel, parse_pairs
from funnelwise.plan.groups import Groups, load_groups
from funnelwise.plan.leadtime import DEFAULT_STEP_LAG_DAYS
from funnelwise.plan.project import DEFAULT_DRAWS as PROJECT_DRAWS
from funnelwise.plan.reverse import DEFAULT_DRAWS as PLAN_DRAWS
from funnelwise.plan.volumes import from_frame, from_pairs
from funnelwise.plan.workspace import PlanSet, make_plans
from funnelwise.presentation import plan as render
from funnelwise.presentation.output import Output

ORDER = 40


class RatesMode(StrEnum):
    shrunk = "shrunk"
    raw = "raw"


QuotaOpt = Annotated[float | None, typer.Option(metavar="AMOUNT",
                                               help="Target revenue for the period.")]
DealSizeOpt = Annotated[float | None, typer.Option(metavar="AMOUNT",
                                                   help="Average won deal size.")]
WinRateOpt = Annotated[float | None, rate_option(
    "--win-rate", "Share of qualified opportunities that are won: 25% or 0.25.")]
StepOpt = Annotated[list[str] | None, typer.Option(
    "--step", metavar="NAME=RATE", help="The rate at which NAME converts into the next step "
    "(12.5% or 0.125); repeat from the top of the funnel down, the last converts into a "
    "qualified opportunity.")]
WeeksOpt = Annotated[float | None, typer.Option(
    min=1, help="Selling weeks (default: the period's days / 7).")]
CycleOpt = Annotated[float | None, typer.Option(
    help="Sales cycle in days (opportunity to close), for the lead time of explicit inputs.")]
PeriodOpt = Annotated[str | None, typer.Option(
    metavar="PERIOD", help="Period to plan: 2026-Q3, 2026-07 or 2026 (default: the quarter "
    "of the data's today if a third of it remains, else the next).")]
PlanByOpt = Annotated[str, typer.Option(
    "--by", metavar="GROUP", help="Whom to plan for: rep, team, manager, region or all.")]
RatesOpt = Annotated[RatesMode, typer.Option(
    "--rates", help="shrunk: each rep's rates pulled toward the team (small samples); raw.")]
DrawsOpt = Annotated[int | None, typer.Option(
    min=100, help="Monte Carlo draws (default: 4,000 for plan, 10,000 for project).")]
SeedOpt = Annotated[int, typer.Option(help="Random seed of the Monte Carlo draws.")]
MinDealsOpt = Annotated[int, typer.Option(
    min=0, help="Closed opportunities a rep needs to use their own figures, not the team's.")]
StepLagOpt = Annotated[float, typer.Option(
    min=0, help="Days each step above the opportunity happens before the one below it.")]
WhatIfOpt = Annotated[list[str] | None, typer.Option(
    "--what-if", metavar="CHANGE", help="STEP=RATE (15% or 0.15), win-rate=RATE or "
    "deal-size=AMOUNT; repeat to combine.")]


def _period(period: str | None) -> Period | None:
    return parse_period(period) if period else None


def _target(quota: float, weeks: float | None, period: Period | None) -> Target:
    if weeks is None and period is None:
        raise UserError("give the number of selling weeks (--weeks 48) or a --period")
    return Target(quota=quota, weeks=weeks or (period.weeks if period else 0.0), period=period)


def _explicit(e: Explicit, weeks: float | None, period: Period | None,
              cycle_days: float | None, step_lag: float, cv: float = 0.0
              ) -> tuple[RepFunnel, Target]:
    quota, deal_size, win_rate = e.check()
    f = explicit_funnel(deal_size=deal_size, win_rate=win_rate, steps=e.steps,
                        cycle_days=cycle_days, step_lag_days=step_lag, deal_size_cv=cv)
    return f, _target(quota, weeks, period)


def _groups(workspace: Path, funnel: Path | None, period: Period | None, opts: Options,
            weeks: float | None) -> tuple[Groups, Answer]:
    """Each group's funnel and target for `period` (default: `periods.default_period` of the
    data's today), and what the plan answers for."""
    with open_workspace(workspace) as ws:
        crm = ws.crm(funnel_override(funnel))
        span = data_span(crm)
        chosen = (span.check(period, "period", plan=True) if period
                  else default_period(span.today))
        groups = load_groups(crm, chosen, opts, weeks)
        names = rep_names(crm)
    return groups, Answer(period=chosen, as_of=span.today, names=names)


@dataclass(frozen=True)
class Answer:
    """The period a plan answers for and the day its figures are read as of."""

    period: Period | None = None
    as_of: dt.date | None = None
    names: dict[str, str] = field(default_factory=dict, compare=False)  # rep id -> name

    def json(self) -> dict[str, Any]:
        return {"period": self.period.record() if self.period else None,
                "as_of": self.as_of.isoformat() if self.as_of else None}


def _explain(groups: Groups | None, notes: Sequence[str]) -> None:
    if groups is None:
        sys.stdout.write("-- explicit inputs: every figure comes from the command line\n")
        return
    lines = [f"-- {n}" for n in (*notes, *groups.notes)]
    for name, sql in groups.sql.items():
        lines += [f"-- {name}", sql()]
    sys.stdout.write("\n".join(lines) + "\n")


def _inputs(e: Explicit, opts: Options, p: Period | None, weeks: float | None,
            cycle_days: float | None, workspace: Path, funnel: Path | None,
            cv: float = 0.0) -> tuple[list[RepFunnel], list[Target], Groups | None, Answer]:
    """The funnels and targets to plan: from explicit numbers, or per group from the data."""
    if e.given:
        f, t = _explicit(e, weeks, p, cycle_days, opts.step_lag_days, cv)
        return [f], [t], None, Answer(period=p)
    groups, answer = _groups(workspace, funnel, p, opts, weeks)
    return list(groups.funnels), list(groups.targets), groups, answer


@user_errors
def plan(
    quota: QuotaOpt = None, deal_size: DealSizeOpt = None, win_rate: WinRateOpt = None,
    step: StepOpt = None, weeks: WeeksOpt = None, cycle_days: CycleOpt = None,
    period: PeriodOpt = None, by: PlanByOpt = "rep", rates: RatesOpt = RatesMode.shrunk,
    what_if: WhatIfOpt = None, since: SinceOpt = None, until: UntilOpt = None,
    level: LevelOpt = DEFAULT_LEVEL, draws: DrawsOpt = None, seed: SeedOpt = 0,
    min_deals: MinDealsOpt = MIN_DEALS, step_lag_days: StepLagOpt = DEFAULT_STEP_LAG_DAYS,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, funnel: FunnelOpt = None,
    format: FormatOpt = Format.table, explain: ExplainOpt = False, out: OutOpt = None,
) -> None:
    """Plan backwards: wins, opportunities and activity needed per step, per week, and when.

    Example: funnelwise plan --period 2026-Q3 --what-if conversation=15%
    """
    e = Explicit(quota, deal_size, win_rate, parse_pairs(step, "--step"))
    scenario = WhatIf(tuple(parse_pairs(what_if, "--what-if")))
    opts = Options(by=by, since=since, until=until, rates=rates.value, level=level,
                   min_deals=min_deals, step_lag_days=step_lag_days)
    funnels, targets, groups, answer = _inputs(e, opts, _period(period), weeks, cycle_days,
                                               workspace, funnel)
    n = draws or PLAN_DRAWS
    if explain:
        _explain(groups, [f"intervals: central {pct(level)} of {count(n)} Monte Carlo draws"])
        return
    plans = make_plans(funnels, targets, groups=groups, what_if=scenario, by=by, level=level,
                       draws=n, seed=seed)
    emit(_plan_output(plans, answer, answer.names), format, out=out)


def _plan_output(plans: PlanSet, answer: Answer, names: dict[str, str]) -> Output:
    base, alt, roll = plans.base, plans.scenario, plans.rollup
    records = [render.plan_record(x, by=plans.by) for x in (*base, *alt)]
    doc = {**answer.json(), "rows": records,
           "rollup": render.rollup_record(roll) if roll else None, "notes": list(plans.notes)}
    t = base[0].target
    period = f" for {t.period.label}" if t.period else ""
    weeks = f"{t.weeks:.1f}".removesuffix(".0")
    as_of = f" as of {date(answer.as_of)}" if answer.as_of else ""
    return render.plan_output(base, alt, roll, doc=doc, by=plans.by,
                              title=f"Plan{period}{as_of}: {weeks} selling weeks",
                              what_if=plans.what_if.label, plan_notes=plans.notes, names=names,
                              as_of=answer.as_of)


def _volumes(volume: Sequence[str] | None, volumes: Path | None, steps: Sequence[str],
             keys: Sequence[str]) -> dict[str, PlanVolumes]:
    flags = from_pairs(parse_pairs(volume, "--volume"), steps)
    per_rep = {k: flags for k in keys} if flags.per_week else {}
    if volumes is not None:
        try:
            frame = pd.read_csv(volumes, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError) as exc:
            raise UserError(f"cannot read {volumes}: {exc}") from exc
        per_rep.update(from_frame(frame, steps, str(volumes)))
    if not per_rep:
        raise UserError(f"give the plan's weekly volumes: --volume {steps[0]}=100 (repeat for "
                        "other steps) or --volumes plan.csv (a rep column and one per step)")
    return per_rep


@user_errors
def project(
    quota: QuotaOpt = None, deal_size: DealSizeOpt = None, win_rate: WinRateOpt = None,
    step: StepOpt = None, weeks: WeeksOpt = None,
    deal_size_cv: Annotated[float, typer.Option(
        min=0, help="Spread of single deals (sd / mean), for explicit inputs.")] = 0.0,
    volume: Annotated[list[str] | None, typer.Option(
        "--volume", metavar="STEP=N", help="Planned weekly volume of a step; repeat.")] = None,
    volumes: Annotated[Path | None, typer.Option(
        help="CSV of weekly volumes per rep: a rep column and one column per step.")] = None,
    period: PeriodOpt = None, by: PlanByOpt = "rep", rates: RatesOpt = RatesMode.shrunk,
    since: SinceOpt = None, until: UntilOpt = None, draws: DrawsOpt = None, seed: SeedOpt = 0,
    outcome_noise: Annotated[bool, typer.Option(
        help="Include the luck of which deals win and their sizes, not only rate "
             "uncertainty.")] = True,
    min_deals: MinDealsOpt = MIN_DEALS, workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    funnel: FunnelOpt = None, format: FormatOpt = Format.table, explain: ExplainOpt = False,
    out: OutOpt = None,
) -> None:
    """Audit a plan drawn forwards: expected revenue, P10-P90, binding step, gap to close.

    From a workspace, a period not yet over adds what is won and open as of the data's today,
    and a rate that changed recently is planned at its rate since the change.

    Example: funnelwise project --period 2026-Q3 --volumes plan.csv
    """
    e = Explicit(quota, deal_size, win_rate, parse_pairs(step, "--step"))
    opts = Options(by=by, since=since, until=until, rates=rates.value,
                   min_deals=min_deals, forward=True)
    funnels, targets, groups, answer = _inputs(e, opts, _period(period), weeks, None,
                                               workspace, funnel, deal_size_cv)
    benchmarks = list(groups.benchmarks) if groups else None
    if explain:
        _explain(groups, ["projection: planned volume x rates; Monte Carlo over the posteriors"])
        return
    plans = _volumes(volume, volumes, funnels[0].steps, [f.key for f in funnels])
    keep = [i for i, f in enumerate(funnels) if f.key in plans]
    if not keep:
        raise UserError(f"no rep of the plan has a quota here: {', '.join(sorted(plans))}")
    keys = {f.key for f in funnels}
    notes = [*(groups.notes if groups else ()),
             *(f"{f.key}: no planned volumes, left out" for f in funnels if f.key not in plans),
             *(f"{k}: planned but has no quota in the period, left out"
               for k in sorted(plans) if k not in keys)]
    result = project_core(
        [funnels[i] for i in keep], [targets[i] for i in keep],
        [plans[funnels[i].key] for i in keep], draws=draws or PROJECT_DRAWS, seed=seed,
        benchmarks=[benchmarks[i] for i in keep] if benchmarks else None,
        outcome_noise=outcome_noise)
    notes.append(f"P10/P50/P90 and P(target): {draws or PROJECT_DRAWS:,} Monte Carlo draws, "
                 f"seed {seed}, outcome noise {'on' if outcome_noise else 'off'}")
    emit(_projection_output(result, notes, by if groups else None, answer, answer.names),
         format, out=out)


def _projection_output(result: Sequence[Projection], notes: Sequence[str], by: str | None,
                       answer: Answer, names: dict[str, str]) -> Output:
    records = [render.projection_record(x, by=by) for x in result]
    return render.projection_output(
        result, doc={**answer.json(), "rows": records, "notes": list(notes)}, by=by,
        projection_notes=notes, names=names)


def register(app: typer.Typer) -> None:
    app.command()(plan)
    app.command()(project)
