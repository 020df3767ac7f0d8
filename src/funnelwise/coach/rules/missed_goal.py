"""activity_goal_missed: the rep's weekly activity goal missed in k of the last n weeks.

The goal, per rep and week, at the funnel's first step (outreach in the default funnel):

1. the plan's weekly need for the period that week's activity feeds (`coach.plans`), for a
   rep with a quota;
2. else a configured goal: `[targets]` in the funnel TOML (for everyone or per rep), or
   `--target`;
3. else the rep's usual pace: the median week of the `baseline_weeks` before the window.

With `require_change` (the default) the rule is about a change in what the rep does:

- a week is missed when volume < (1 - goal_tolerance) x max(goal, usual pace): a rep who has
  always done more than the plan needs is held to their own pace, since a sudden fall in
  activity is the early warning whatever the plan says;
- the flag needs `missed_weeks` of the last `recent_weeks` weeks missed (5 of 8 by default:
  one noisy week is not a pattern) and the recent weeks' median more than
  `change_tolerance` under the usual pace. A rep who never reached the plan's goal is not
  "missing" it: that gap is `pipeline_gap`'s, which names the period at risk.

Without it, a week is missed when volume < (1 - goal_tolerance) x goal, and k of n missed
weeks flag.

Money at stake: the average weekly shortfall against that reference, times the value of one
unit at the step (deal size x the rep's rates down to a win), times `horizon_weeks`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from funnelwise.coach.context import CoachContext
from funnelwise.coach.plans import weekly_need
from funnelwise.coach.questions import MISSED_GOAL, fill
from funnelwise.coach.rules import Flag, Rule, register
from funnelwise.formats import count, date, money, pct, words

MIN_BASELINE_WEEKS = 4


def usual_level(ctx: CoachContext, step: str) -> pd.Series:
    """Per rep: the median weekly count over the baseline weeks before the recent window."""
    counts = ctx.counts(step)
    weeks = [w for w in counts.columns if w < ctx.recent[0]][-ctx.config.baseline_weeks:]
    if len(weeks) < MIN_BASELINE_WEEKS:
        return pd.Series(np.nan, index=counts.index)
    return counts[weeks].median(axis=1)


def goals(ctx: CoachContext, step: str, usual: pd.Series) -> pd.DataFrame:
    """Per (rep, recent week): the goal and where it comes from."""
    reps = list(ctx.counts(step).index)
    grid = pd.MultiIndex.from_product([reps, ctx.recent], names=["rep", "week"])
    g = grid.to_frame(index=False).merge(weekly_need(ctx.plans, step, ctx.recent),
                                         on=["rep", "week"], how="left")
    configured = g["rep"].map(ctx.targets.for_rep).astype(float)
    g["goal"] = g["need"].astype(float).fillna(configured).fillna(g["rep"].map(usual))
    g["source"] = np.where(g["need"].notna(), "plan for " + g["period"].astype(str),
                           np.where(configured.notna(), "configured", "usual level"))
    return g


def _goal_text(g: pd.DataFrame) -> str:
    """`118 a week (plan for 2026-Q3), 144 from 1 Jun 2026 (plan for 2026-Q4)`."""
    parts, last = [], None
    for r in g.itertuples():
        here = (round(float(r.goal)), r.source)
        if here != last:
            start = "" if last is None else f" from {date(r.week)}"
            parts.append(f"{count(r.goal, up=True)} a week{start} ({r.source})")
            last = here
    return ", ".join(parts)


def reference(goal: np.ndarray, usual: float, require_change: bool) -> np.ndarray:
    """What a week is held to: the goal, or the usual pace when higher (`require_change`)."""
    if require_change and usual == usual:
        return np.maximum(goal, usual)
    return goal


def _title(step: str, missed: int, n: int, recent: float, goal: np.ndarray,
           usual: float) -> str:
    if recent < float(np.median(goal)):
        return f"{words(step)} goal missed in {missed} of the last {n} weeks"
    return (f"{words(step)} down to {count(recent)} a week from a usual {count(usual)} "
            f"(goal {count(goal[-1], up=True)})")


def _flag(ctx: CoachContext, rep: str, step: str, v: np.ndarray, g: pd.DataFrame,
          usual: float) -> Flag | None:
    c = ctx.config
    goal = g["goal"].to_numpy(float)
    ref = reference(goal, usual, c.require_change)
    missed = v < (1 - c.goal_tolerance) * ref
    recent = float(np.median(v))
    changed = usual == usual and recent < (1 - c.change_tolerance) * usual
    if missed.sum() < c.missed_weeks or (c.require_change and not changed):
        return None
    short = float(np.maximum(ref - v, 0).mean())
    value = ctx.plans.unit_value(rep, step)
    n = len(v)
    return Flag(
        rep=rep, rule="activity_goal_missed", step=step,
        title=_title(step, int(missed.sum()), n, recent, goal, usual),
        evidence=(
            f"goal: {_goal_text(g)}; usual pace {count(usual)} a week (median of the weeks "
            f"before)",
            f"{words(step)} per week, last {n}: {' '.join(count(x) for x in v)} (median "
            f"{count(recent)})",
            f"{int(missed.sum())} weeks more than {pct(c.goal_tolerance)} under "
            + ("the goal or the usual pace, whichever is higher" if c.require_change
               else "the goal"),
            f"{count(short, up=True)} a week short, each worth {money(value)} in expected "
            "revenue",
        ),
        money=short * value * c.horizon_weeks,
        questions=fill(MISSED_GOAL, goal=count(goal[-1], up=True)),
        figures={"volumes": [float(x) for x in v], "goals": [float(x) for x in goal],
                 "goal_source": list(g["source"]), "weeks_missed": int(missed.sum()),
                 "recent_median": recent, "usual": usual, "shortfall_per_week": short},
    )


def run(ctx: CoachContext) -> list[Flag]:
    step = ctx.steps[0]
    usual = usual_level(ctx, step)
    counts = ctx.counts(step)[ctx.recent]
    g = goals(ctx, step, usual)
    flags = [_flag(ctx, str(rep), step, counts.loc[rep].to_numpy(float),
                   g[g["rep"] == rep], float(usual.loc[rep])) for rep in counts.index]
    return [f for f in flags if f is not None]


RULE = register(Rule(
    name="activity_goal_missed",
    summary="weekly activity goal missed in k of the last n weeks", run=run,
    label="Activity goal missed"))
