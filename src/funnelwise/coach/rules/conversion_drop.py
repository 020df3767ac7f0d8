"""conversion_drop: a step's rate really dropped (not noise), against the rep's own history.

For every step whose rate is not a deal-stage cohort (those are left to the pipeline review),
the rep's weekly counts go through a one-change-point model (`coach.stats.change_point`): the
rate before some week and the rate since, the change anywhere from `MIN_BEFORE` weeks into the
history up to the start of the recent window. The flag fires when P(rate since the change <
(1 - min_drop) x rate before) >= confidence, and shows that probability, both rates with their
counts, the week the change most likely started and the recent window's own rate.

What the rate divides (`CoachContext.rate`, `coach.weekly.step_rate`): the weekly counts at
the two steps where they are nested over the segments compared (`coach.stats.overflow`). Where
a rep's are not (more opportunities than meetings before some week, as when deals were loaded
in a burst), k / n is no conversion rate: the rep's rate follows the same leads instead when
the records carry them (the records at the step credited with one at the next, a cohort), and
otherwise the rule raises nothing on that step for the rep; the context's notes say which,
with the counts.

Money at stake: the units a week no longer reaching the next step, (rate before - rate since)
x the step's weekly count since the change, times the value of one unit at the next step
(deal size x the rep's rates below it), times `horizon_weeks`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd

from funnelwise.coach.context import CoachContext
from funnelwise.coach.questions import drop_questions
from funnelwise.coach.rules import Flag, Rule, register
from funnelwise.coach.stats import ChangePoint, change_point
from funnelwise.coach.weekly import StepRate, flow_pairs
from funnelwise.formats import chance, count, date, days, money, pct, ratio, words
from funnelwise.schema.funnel import Step


def flow_steps(ctx: CoachContext) -> list[tuple[Step, Step]]:
    """(step, next step) pairs whose rate is not a deal-stage cohort."""
    return flow_pairs(ctx.crm.funnel)


def rate_changes(ctx: CoachContext, step: Step, nxt: Step, *,
                 rise: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, ChangePoint]:
    """What the rate divides (`k` of `n`, rep x week) and the change-point evidence per rep;
    0 where the counts are not nested, so not a rate."""
    rate = ctx.rate(step, nxt)
    n, k = rate.n, rate.k
    cp = change_point(k.to_numpy(float), n.to_numpy(float), margin=ctx.config.min_drop,
                      recent=ctx.config.recent_weeks, rise=rise)
    return n, k, replace(cp, prob=np.where(rate.nested, cp.prob, 0.0))


def _weeks_known(rate: StepRate, i: int, since: dt.date, weeks_after: int) -> float:
    """Weeks of data since `since` (on the same leads, those old enough to tell)."""
    if not rate.leads[i] or rate.known_until is None:
        return float(weeks_after)
    return max((rate.known_until - dt.datetime.combine(since, dt.time())).days / 7, 1.0)


def _counted(rate: StepRate, i: int, step: Step, nxt: Step) -> tuple[str, ...]:
    """What the rate counts, when it follows the same leads."""
    if not rate.leads[i] or rate.known_until is None:
        return ()
    here, there = words(step.name), words(nxt.name)
    return (f"counted on the same leads, as by week more reached {there} than {here} (see the "
            f"notes): of the records at {here}, those credited with one at {there} within "
            f"{days(rate.days, unit=True)}; records since {date(rate.known_until)} are too "
            "recent to tell",)


def _flag(ctx: CoachContext, i: int, rep: str, step: Step, nxt: Step, n: pd.DataFrame,
          k: pd.DataFrame, cp: ChangePoint) -> Flag:
    weeks = list(n.columns)
    since = weeks[int(cp.start[i])]
    before = cp.k_before[i] / max(cp.n_before[i], 1)
    after = cp.k_after[i] / max(cp.n_after[i], 1)
    rate = ctx.rate(step, nxt)
    known = _weeks_known(rate, i, since, len(weeks) - int(cp.start[i]))
    lost = (before - after) * cp.n_after[i] / known
    value = ctx.plans.unit_value(rep, nxt.name)
    recent = ctx.recent
    rk, rn = float(k.loc[rep, recent].sum()), float(n.loc[rep, recent].sum())
    return Flag(
        rep=rep, rule="conversion_drop", step=step.name,
        title=(f"{words(step.name)} → {words(nxt.name)} fell from {pct(before)} to "
               f"{pct(after)}"),
        evidence=(
            f"before {date(since)}: {ratio(cp.k_before[i], cp.n_before[i])}; since: "
            f"{ratio(cp.k_after[i], cp.n_after[i])}",
            f"last {len(recent)} weeks: {ratio(rk, rn)}",
            f"the rate now is {chance(cp.prob[i])} more than {pct(ctx.config.min_drop)} "
            "below before (one change point, its week unknown)",
            f"{count(lost)} a week fewer reach {words(nxt.name)}, each worth {money(value)}",
            *_counted(rate, i, step, nxt),
        ),
        money=lost * value * ctx.config.horizon_weeks, confidence=float(cp.prob[i]),
        questions=drop_questions(step, nxt),
        figures={"next_step": nxt.name, "since": since.isoformat(), "rate_before": before,
                 "rate_since": after, "k_before": float(cp.k_before[i]),
                 "n_before": float(cp.n_before[i]), "k_since": float(cp.k_after[i]),
                 "n_since": float(cp.n_after[i]), "k_recent": rk, "n_recent": rn,
                 "probability": float(cp.prob[i]), "lost_per_week": lost,
                 "counted_on": "leads" if rate.leads[i] else "weeks"},
    )


def run(ctx: CoachContext) -> list[Flag]:
    flags = []
    for step, nxt in flow_steps(ctx):
        n, k, cp = rate_changes(ctx, step, nxt)
        for i in np.flatnonzero(cp.prob >= ctx.config.confidence):
            flags.append(_flag(ctx, int(i), str(n.index[i]), step, nxt, n, k, cp))
    return flags


RULE = register(Rule(
    name="conversion_drop",
    summary="a step's rate fell against the rep's own history, beyond noise", run=run,
    label="Conversion dropped"))
