"""Team status against plan, in three lines: results, pipeline, activity.

For a set of reps (one manager's) in the coached week:

1. results: revenue won this quarter so far against the quarter's quota (the quotas pro rata
   to the days of the quarter they cover), beside the share of the quarter gone;
2. pipeline: for the quarter the reps are now creating opportunities for (the one whose
   creation window, from the plan's lead time, contains the coached week), opportunities
   created so far against the plan's need so far;
3. activity: the first step's count in the coached week against the reps' weekly goals
   (`activity_goal_missed`'s goal: plan, configured, or the usual pace), and how many reps
   reached theirs.
"""

from __future__ import annotations

import datetime as dt

from funnelwise.coach.context import CoachContext
from funnelwise.coach.rules.missed_goal import goals, usual_level
from funnelwise.coach.rules.pipeline_gap import creation_windows, done_so_far, opportunity_step
from funnelwise.errors import UserError
from funnelwise.formats import count, date, money, pct, words
from funnelwise.metrics.dimensions import window
from funnelwise.periods import quarters
from funnelwise.plan.estimate import period_quotas


def results_line(ctx: CoachContext, reps: list[str]) -> str:
    """Won revenue this quarter so far against the quarter's quota."""
    end = ctx.week + dt.timedelta(days=6)
    q = quarters(end, end)[0]
    o = ctx.crm.opportunities
    won = o.filter(o.status == "won", o.owner_rep_id.isin(reps),
                   window(o.closed_at, q.start, end))
    amount = float(won.amount.sum().fill_null(0.0).execute() or 0.0)
    gone = ((end - q.start).days + 1) / q.days
    try:
        quotas, _ = period_quotas(ctx.crm, q, "rep")
    except UserError:
        return (f"Results: {money(amount)} won in {q.label} so far ({pct(gone)} of the quarter "
                f"gone; no quota)")
    quota = float(quotas.loc[quotas["key"].isin(reps), "quota"].sum())
    share = pct(amount / quota) if quota else "–"
    return (f"Results: {money(amount)} won in {q.label} so far, {share} of the "
            f"{money(quota)} quota, with {pct(gone)} of the quarter gone")


def pipeline_line(ctx: CoachContext, reps: list[str]) -> str:
    """Opportunities created so far for the quarter now being built, against the plan."""
    step = opportunity_step(ctx)
    if step is None or ctx.plans.needs.empty:
        return "Pipeline: no plan to compare with (no quotas)"
    w = creation_windows(ctx, step)
    w = w[w["rep"].isin(reps) & (w["end_week"] >= ctx.week)]
    if w.empty:
        return "Pipeline: no quarter is being built this week"
    w = w.sort_values("start_week").drop_duplicates("rep", keep="last")
    w = w.assign(created=done_so_far(ctx, step, w), needed=w["per_week"] * w["weeks"])
    parts = []
    for period, g in w.groupby("period"):
        share = g["created"].sum() / g["needed"].sum() if g["needed"].sum() else float("nan")
        parts.append(f"{count(g['created'].sum())} {words(step)} created for {period} of "
                     f"{count(g['needed'].sum(), up=True)} the plan needs by now "
                     f"({pct(share)})")
    return "Pipeline: " + "; ".join(parts)


def activity_line(ctx: CoachContext, reps: list[str]) -> str:
    """The first step's count in the coached week against the reps' goals."""
    step = ctx.steps[0]
    g = goals(ctx, step, usual_level(ctx, step))
    g = g[(g["week"] == ctx.week) & g["rep"].isin(reps)].set_index("rep")["goal"].dropna()
    done = ctx.counts(step)[ctx.week].reindex(reps).fillna(0)
    head = (f"Activity: {count(float(done.sum()))} {words(step)} in the week of "
            f"{date(ctx.week)}")
    if g.empty:
        return f"{head} (no goals: no plan, no [targets], too little history)"
    mine = done.reindex(g.index)
    return (f"{head} against goals of {count(float(g.sum()), up=True)} for {len(g)} reps "
            f"({_share(mine.sum(), g.sum())}); {int((mine >= g).sum())} of {len(g)} at or "
            f"above their goal")


def _share(a: float, b: float) -> str:
    return pct(a / b) if b else "–"


def status_lines(ctx: CoachContext, reps: list[str]) -> tuple[str, str, str]:
    return (results_line(ctx, reps), pipeline_line(ctx, reps), activity_line(ctx, reps))


def reps_of(ctx: CoachContext, manager: str | None) -> list[str]:
    """The reps of one manager (all reps for None)."""
    r = ctx.reps
    if manager is not None:
        r = r[r["manager"] == manager]
    return sorted(r["rep_id"].astype(str))


def managers(ctx: CoachContext) -> list[str | None]:
    """Every manager with reps, in name order; [None] when no rep has a manager."""
    names = sorted(str(m) for m in ctx.reps["manager"].dropna().unique())
    return list(names) if names else [None]
