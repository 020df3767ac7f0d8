"""The Monday brief: per manager, a coaching agenda for the week, not a leaderboard.

For each manager (or the one asked for):

1. team status against plan in three lines (`coach.status`);
2. the reps who need a conversation: every red flag except stalled deals, grouped by rep,
   reps ranked by the money at stake over all their flags, the top `top`; each with the
   question to open with (the first question of their costliest flag);
3. bright spots worth sharing with the team (`coach.bright`), from reps without a red flag;
4. deals to review: the stalled deals of the manager's reps, by expected value;
5. calls, when the workspace has them (`pipeline.calls`): the commit each of the manager's
   reps calls for the period against the model's view of the same deals, and their record,
   as of the Monday after the coached week (what was known then);
6. how far the forecast and the win probabilities held on the workspace's own history
   (`pipeline.accuracy`), when it keeps that measure: the caller reads it and passes it in.

Only data assembly happens here; `report.brief` renders it as Markdown or HTML.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from funnelwise.coach.bright import BrightSpot, fewer_better_spots, rate_rises
from funnelwise.coach.config import CoachConfig, Targets
from funnelwise.coach.context import CoachContext, build_context
from funnelwise.coach.fewer_better import DEFAULT_WEEKS, FewerBetter, fewer_better
from funnelwise.coach.rules import Flag, run_rules
from funnelwise.coach.status import managers, reps_of, status_lines
from funnelwise.errors import unknown_name
from funnelwise.metrics.dimensions import ALL
from funnelwise.metrics.effectiveness import attribution_config
from funnelwise.metrics.span import data_span
from funnelwise.pipeline.accuracy import Accuracy
from funnelwise.pipeline.calls import Calls, calls
from funnelwise.schema.crm import Crm

DEAL_RULE = "stalled_deals"
DEALS_SHOWN = 5


@dataclass(frozen=True)
class Conversation:
    """A rep who needs a conversation: their flags (costliest first) and the opening question."""

    rep: str
    name: str
    money: float
    flags: tuple[Flag, ...]

    @property
    def opener(self) -> str:
        return self.flags[0].questions[0] if self.flags[0].questions else ""


@dataclass(frozen=True)
class ManagerBrief:
    """One manager's brief."""

    manager: str | None
    reps: int
    status: tuple[str, str, str]
    conversations: tuple[Conversation, ...]
    more_flagged: int
    bright_spots: tuple[BrightSpot, ...]
    deals: tuple[dict[str, Any], ...]
    calls: Calls | None = None


@dataclass(frozen=True)
class Brief:
    """The brief of every manager for one week, and how it was made."""

    week: dt.date
    briefs: tuple[ManagerBrief, ...]
    config: CoachConfig
    notes: tuple[str, ...] = ()
    names: dict[str, str] = field(default_factory=dict)
    accuracy: Accuracy | None = None
    """The workspace's measured accuracy, said beside each manager's calls; None when the
    workspace keeps none for its data as it is."""


def conversations(ctx: CoachContext, flags: list[Flag], reps: list[str]) -> list[Conversation]:
    """Flagged reps (stalled deals aside), by the money at stake over all their flags."""
    out = []
    for rep in reps:
        mine = [f for f in flags if f.rep == rep and f.rule != DEAL_RULE]
        if mine:
            total = sum(f.money for f in mine if f.money == f.money)
            out.append(Conversation(rep=rep, name=ctx.name(rep), money=total, flags=tuple(mine)))
    return sorted(out, key=lambda c: (-c.money, c.rep))


def deals_to_review(flags: list[Flag], reps: list[str]) -> tuple[dict[str, Any], ...]:
    """Stalled deals of these reps, largest expected value (amount x probability) first."""
    deals = [{**d, "rep": f.rep} for f in flags if f.rule == DEAL_RULE and f.rep in reps
             for d in f.deals]
    deals.sort(key=lambda d: (-float(d["at_stake"]), str(d["opportunity_id"])))
    return tuple(deals[:DEALS_SHOWN])


def has_calls(crm: Crm) -> bool:
    """Whether the workspace holds calls: deals with a forecast category, or submitted calls."""
    o = crm.opportunities
    if o.filter(o.forecast_category.notnull()).count().execute():
        return True
    return crm.forecast_calls is not None and bool(crm.forecast_calls.count().execute())


def week_calls(crm: Crm, week: dt.date) -> Calls | None:
    """The calls as of the Monday after the coached week (the data's today when sooner), rolled
    up per manager, for the period every command answers for on that day; None when the
    workspace has no calls."""
    if not has_calls(crm):
        return None
    day = min(week + dt.timedelta(weeks=1), data_span(crm).today)
    return calls(crm, as_of_day=day, by="manager")


def manager_calls(team: Calls | None, manager: str | None, reps: list[str]) -> Calls | None:
    """The calls of `reps` who made one, with their manager's roll-up (everyone's for None),
    and their record; None when none of them made a call."""
    if team is None:
        return None
    c = team.calls
    mine = (c["level"] == "rep") & c["key"].isin(reps) & (c["source"] != "none")
    if not mine.any():
        return None
    rollup = (c["level"] == "manager") & (c["key"] == manager) if manager is not None else (
        c["level"] == "all") & (c["key"] == ALL)
    record = team.record[team.record["rep"].isin(reps)]
    return dataclasses.replace(team, calls=c[mine | rollup].reset_index(drop=True),
                               record=record.reset_index(drop=True))


def manager_brief(ctx: CoachContext, manager: str | None, flags: list[Flag],
                  spots: list[BrightSpot], team_calls: Calls | None = None) -> ManagerBrief:
    reps = reps_of(ctx, manager)
    talks = conversations(ctx, flags, reps)
    top = ctx.config.top
    return ManagerBrief(
        manager=manager, reps=len(reps), status=status_lines(ctx, reps),
        conversations=tuple(talks[:top]), more_flagged=max(len(talks) - top, 0),
        bright_spots=tuple(s for s in spots if s.rep in reps),
        deals=deals_to_review(flags, reps), calls=manager_calls(team_calls, manager, reps))


def team_fewer_better(ctx: CoachContext) -> FewerBetter:
    """Fewer-better reps over the last 13 weeks up to the coached week."""
    weeks = [w for w in ctx.weekly.index.get_level_values("week").unique() if w <= ctx.week]
    return fewer_better(ctx.crm, ctx.weekly, ctx.plans, ctx.reps,
                        sorted(weeks)[-DEFAULT_WEEKS:], attribution_config(ctx.crm.funnel))


def check_manager(ctx: CoachContext, manager: str | None) -> list[str | None]:
    known = managers(ctx)
    if manager is None:
        return known
    if manager not in known:
        raise unknown_name("manager", manager, [str(m) for m in known if m is not None])
    return [manager]


def bright_spots(ctx: CoachContext, flags: list[Flag]) -> list[BrightSpot]:
    """Rates that rose and fewer-better reps, among reps without a red flag (deals aside)."""
    flagged = {f.rep for f in flags if f.rule != DEAL_RULE}
    mix_types = ctx.crm.funnel.steps[0].types
    spots = (*rate_rises(ctx), *fewer_better_spots(team_fewer_better(ctx), mix_types))
    return [s for s in spots if s.rep not in flagged]


def make_brief(crm: Crm, *, week: dt.date | None = None, manager: str | None = None,
               config: CoachConfig | None = None, targets: Targets | None = None,
               accuracy: Accuracy | None = None) -> Brief:
    """The Monday brief for every manager (or one), for the week containing `week`, with the
    `accuracy` the workspace keeps (`pipeline.accuracy.cached`), if any."""
    ctx = build_context(crm, week=week, config=config, targets=targets)
    wanted = check_manager(ctx, manager)
    flags = run_rules(ctx)
    spots = bright_spots(ctx, flags)
    team_calls = week_calls(crm, ctx.week)
    return Brief(week=ctx.week, config=ctx.config, notes=ctx.notes,
                 briefs=tuple(manager_brief(ctx, m, flags, spots, team_calls)
                              for m in wanted),
                 names={str(r): ctx.name(str(r)) for r in ctx.reps["rep_id"]},
                 accuracy=accuracy)
