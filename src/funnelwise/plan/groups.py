"""The reps (or teams) of a plan, from the workspace: their funnels, quotas and benchmarks.

Every group with a quota in the period gets a funnel of its own figures, or of its parent's
(the team's; the whole organisation's for a rep without a team or for other groupings) when
its history is too thin. The parent's rates are also each group's benchmark: the reference
the forward audit compares a rate with when the plan does not state one.

For a forward projection (`Options.forward`), as of a day (the data's today unless given):
a rep's rate at a step that changed is the rate since the change (`plan.recent`), and every
funnel carries the group's pipeline for the period (`plan.open_deals`), unless the period
ended before the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

import pandas as pd

from funnelwise.errors import UserError
from funnelwise.metrics.dimensions import ALL
from funnelwise.metrics.funnel import rolled_up
from funnelwise.metrics.span import data_span
from funnelwise.periods import Period
from funnelwise.plan import recent
from funnelwise.plan.estimate import (
    Counts,
    Figures,
    Options,
    build_funnel,
    fallback_key,
    figures,
    funnel_counts_of,
    has_figures,
    period_quotas,
    thin_history,
)
from funnelwise.plan.model import RepFunnel, Target
from funnelwise.schema.crm import Crm


@dataclass(frozen=True)
class Groups:
    """Funnels and targets of every group in a plan, plus the team-average funnel."""

    funnels: tuple[RepFunnel, ...]
    targets: tuple[Target, ...]
    benchmarks: tuple[tuple[float, ...] | None, ...]
    team: RepFunnel
    team_target: Target
    notes: tuple[str, ...]
    sql: dict[str, Callable[[], str]]


def _merge(a: Figures, b: Figures) -> Figures:
    return Figures(rates=pd.concat([a.rates, b.rates], ignore_index=True),
                   deals=pd.concat([a.deals, b.deals]), cycles=pd.concat([a.cycles, b.cycles]))


def _parents(crm: Crm, opts: Options, everyone: Figures, counts: Counts) -> Figures:
    if opts.by == "rep":
        teams = Counts(frame=rolled_up(counts.frame, "team"), sql=counts.sql)
        return _merge(figures(crm, opts, "team", teams), everyone)
    return everyone


def _group(crm: Crm, own: Figures, parents: Figures, key: str, parent: str,
           opts: Options) -> tuple[RepFunnel, tuple[float, ...] | None]:
    """A group's funnel (own or borrowed figures) and its benchmark rates."""
    home = fallback_key(parent, parents) if opts.by != "all" else ""
    bench = build_funnel(crm, parents, home, opts) if home else None
    marks = tuple(r.value for r in bench.rates) if bench else None
    why = thin_history(own, key, opts)
    if not why:
        return build_funnel(crm, own, key, opts, parent=parent), marks
    if bench is None:
        return build_funnel(crm, own, key, opts, parent=parent, note=why), None
    note = f"{why}: {home}'s figures used"
    return replace(bench, key=key, parent=home, source="team", note=note), marks


def _with_pipelines(crm: Crm, period: Period, day: dt.date, by: str,
                    funnels: tuple[RepFunnel, ...], team: RepFunnel, found: list[recent.Change]
                    ) -> tuple[tuple[RepFunnel, ...], tuple[str, ...]]:
    """The funnels with their pipelines, and notes on the changes and the pipeline."""
    from funnelwise.plan.open_deals import open_pipelines  # the forecast model, when asked

    usual = team.timing.cycle_days
    pace = {f.key: f.timing.cycle_days / usual for f in funnels
            if f.timing.cycle_days and usual}
    pipes = open_pipelines(crm, period, day, by, pace)
    out = tuple(replace(f, pipeline=pipes.of(f.key)) for f in funnels)
    held = sum(len(f.pipeline.amounts) for f in out if f.pipeline is not None)
    weeks = [f.pipeline.flow_weeks for f in out if f.pipeline is not None]
    note = (f"pipeline as of {day}: {held} open deals, each won in {period.label} with its "
            f"chance from the forecast model at the rep's pace (median cycle over the "
            f"organisation's); the planned volumes' wins land in the period for "
            f"{min(weeks, default=0):.1f} to {max(weeks, default=0):.1f} of its weeks, the "
            f"rest after it")
    used = {f.key for f in funnels if f.source == "own"}
    return out, (*(c.note() for c in found if c.rep in used), note)


def load_groups(crm: Crm, period: Period, opts: Options, weeks: float | None = None,
                as_of: dt.date | None = None) -> Groups:
    """Every group with a quota in `period`, with its funnel, target and benchmark.

    `as_of`: the day a forward projection stands on (default: the data's today).
    """
    quotas, quota_sql = period_quotas(crm, period, opts.by)
    day = as_of or data_span(crm).today
    found = (recent.changes(crm, [str(k) for k in quotas["key"]], day)
             if opts.forward and opts.by == "rep" else [])
    # the activities are read once, by the plan's grouping; team and everyone add it up
    counts = funnel_counts_of(crm, opts, opts.by)
    total = Counts(frame=rolled_up(counts.frame, "all"), sql=counts.sql)
    everyone = figures(crm, opts, "all", total)
    if not has_figures(everyone, ALL):
        raise UserError("no won deals to plan from in the look-back window: a plan needs the "
                        "win rate, deal size and cycle of past wins (widen --since/--until)")
    own = everyone if opts.by == "all" else figures(crm, opts, opts.by, counts, found)
    parents = _parents(crm, opts, everyone, counts)
    span = weeks or period.weeks
    built = [_group(crm, own, parents, str(r.key), str(r.parent), opts)
             for r in quotas.itertuples()]
    notes = tuple(f"{f.key}: {f.note}" for f, _ in built if f.note)
    team = replace(build_funnel(crm, everyone, ALL, opts), source="team")
    funnels = tuple(f for f, _ in built)
    if opts.forward and period.end >= day:
        funnels, more = _with_pipelines(crm, period, day, opts.by, funnels, team, found)
        notes += more
    elif opts.forward:
        notes += (f"{period.label} ended before {day}: the plan's arithmetic, without the "
                  "pipeline",)
    return Groups(
        funnels=funnels, benchmarks=tuple(b for _, b in built),
        targets=tuple(Target(quota=float(q), weeks=span, period=period)
                      for q in quotas["quota"]),
        team=team, team_target=Target(quota=float(quotas["quota"].sum()), weeks=span,
                                      period=period),
        notes=notes, sql={"quotas": quota_sql, **own.sql},
    )
