"""conversion_drop: a step's rate really dropped (not noise), against the rep's own history.

For every step whose rate is a flow ratio (count at the next step / count at the step, both by
week; deal-stage cohort rates are left to the pipeline review), the rep's weekly counts go
through a one-change-point model (`coach.stats.change_point`): the rate before some week and
the rate since, the change anywhere from `MIN_BEFORE` weeks into the history up to the start of
the recent window. The flag fires when P(rate since the change < (1 - min_drop) x rate
before) >= confidence, and shows that probability, both rates with their counts, the week
the change most likely started and the recent window's own rate.

Money at stake: the units a week no longer reaching the next step, (rate before - rate since)
x the step's weekly count since the change, times the value of one unit at the next step
(deal size x the rep's rates below it), times `horizon_weeks`.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from funnelwise.coach.context import CoachContext
from funnelwise.coach.questions import drop_questions
from funnelwise.coach.rules import Flag, Rule, register
from funnelwise.coach.stats import ChangePoint, change_point
from funnelwise.formats import chance, count, date, money, pct, ratio, words
from funnelwise.schema.funnel import Step


def flow_steps(ctx: CoachContext) -> list[tuple[Step, Step]]:
    """(step, next step) pairs whose rate is a flow ratio of weekly counts."""
    steps = ctx.crm.funnel.steps
    return [(s, n) for s, n in pairwise(steps)
            if not (s.is_opportunity_step and n.is_opportunity_step)]


def rate_changes(ctx: CoachContext, step: Step, nxt: Step, *,
                 rise: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, ChangePoint]:
    """Weekly counts at the step and the next one, and the change-point evidence per rep."""
    n, k = ctx.counts(step.name), ctx.counts(nxt.name)
    cp = change_point(k.to_numpy(float), n.to_numpy(float), margin=ctx.config.min_drop,
                      recent=ctx.config.recent_weeks, rise=rise)
    return n, k, cp


def _flag(ctx: CoachContext, i: int, rep: str, step: Step, nxt: Step, n: pd.DataFrame,
          k: pd.DataFrame, cp: ChangePoint) -> Flag:
    weeks = list(n.columns)
    since = weeks[int(cp.start[i])]
    before = cp.k_before[i] / max(cp.n_before[i], 1)
    after = cp.k_after[i] / max(cp.n_after[i], 1)
    weeks_after = len(weeks) - int(cp.start[i])
    lost = (before - after) * cp.n_after[i] / weeks_after
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
        ),
        money=lost * value * ctx.config.horizon_weeks, confidence=float(cp.prob[i]),
        questions=drop_questions(step, nxt),
        figures={"next_step": nxt.name, "since": since.isoformat(), "rate_before": before,
                 "rate_since": after, "k_before": float(cp.k_before[i]),
                 "n_before": float(cp.n_before[i]), "k_since": float(cp.k_after[i]),
                 "n_since": float(cp.n_after[i]), "k_recent": rk, "n_recent": rn,
                 "probability": float(cp.prob[i]), "lost_per_week": lost},
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
