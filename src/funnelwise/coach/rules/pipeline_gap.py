"""pipeline_gap: pipeline creation below what the next periods need, given the lead time.

The plan says in which weeks each quarter's opportunities must be created (the quarter
shifted earlier by the sales cycle: `coach.plans`) and how many a week. For every quarter
whose creation window has started and reaches into the recent window, the opportunities the
rep created in it so far are compared with the plan's weekly need times the weeks elapsed.
The flag fires when P(creation rate < (1 - pipeline_shortfall) x need) >= confidence
(Gamma-Poisson, `coach.stats.prob_short`) and names the quarter at risk.

Where the gap opens: every step above is compared with its own plan need over the same
weeks; the step whose share of plan falls most against the step above it is where to look
(the top step: too little activity; a lower one: a rate).

Money at stake: the opportunities missing so far x the value of one (deal size x win rate).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pandas as pd

from funnelwise.coach.context import CoachContext
from funnelwise.coach.questions import PIPELINE_CONVERSION, PIPELINE_VOLUME, fill
from funnelwise.coach.rules import Flag, Rule, register
from funnelwise.coach.stats import prob_short
from funnelwise.formats import chance, count, date, money, pct, words


def opportunity_step(ctx: CoachContext) -> str | None:
    return next((s.name for s in ctx.crm.funnel.steps if s.is_opportunity_step), None)


def creation_windows(ctx: CoachContext, step: str) -> pd.DataFrame:
    """Plan needs at `step` whose creation window has started and overlaps the recent weeks."""
    n = ctx.plans.needs
    n = n[(n["step"] == step) & (n["start_week"] <= ctx.week)
          & (n["end_week"] >= ctx.recent[0])].copy()
    n["last_week"] = n["end_week"].where(n["end_week"] <= ctx.week, ctx.week)
    n["weeks"] = [(last - first).days // 7 + 1 for first, last in
                  zip(n["start_week"], n["last_week"], strict=True)]
    return n.reset_index(drop=True)


def done_so_far(ctx: CoachContext, step: str, w: pd.DataFrame) -> np.ndarray:
    """Per window row: the count at `step` over the row's elapsed weeks."""
    counts = ctx.counts(step)
    return np.array([
        counts.loc[r.rep, [c for c in counts.columns if r.start_week <= c <= r.last_week]].sum()
        if r.rep in counts.index else 0 for r in w.itertuples()], dtype=float)


def _shares(ctx: CoachContext, rep: str, period: str, row: pd.Series, upto: int) -> list[float]:
    """Share of the plan's need done so far at every step down to `upto`."""
    n = ctx.plans.needs
    n = n[(n["rep"] == rep) & (n["period"] == period)].set_index("step")["per_week"]
    shares = []
    for step in ctx.steps[:upto + 1]:
        done = done_so_far(ctx, step, pd.DataFrame([{**row, "rep": rep}]))[0]
        need = float(n.get(step, np.nan)) * row["weeks"]
        shares.append(done / need if need > 0 else np.nan)
    return shares


def _where(ctx: CoachContext, shares: list[float]) -> int:
    """The step where the share of plan falls most against the step above."""
    drops = [shares[0]] + [b / a if a > 0 else np.nan for a, b in pairwise(shares)]
    return int(np.nanargmin(drops)) if not all(d != d for d in drops) else 0


def _flag(ctx: CoachContext, step: str, row: pd.Series, created: float, p: float) -> Flag:
    rep, need = str(row["rep"]), row["per_week"] * row["weeks"]
    upto = ctx.steps.index(step)
    shares = _shares(ctx, rep, str(row["period"]), row, upto)
    at = _where(ctx, shares)
    value = ctx.plans.unit_value(rep, step)
    where = "; ".join(f"{words(s)} {pct(x)}" for s, x in zip(ctx.steps, shares, strict=False))
    if at == 0:
        questions = fill(PIPELINE_VOLUME, period=row["period"], step=ctx.steps[0])
    else:
        questions = fill(PIPELINE_CONVERSION, period=row["period"], step=ctx.steps[at - 1],
                         next=ctx.steps[at])
    return Flag(
        rep=rep, rule="pipeline_gap", step=step,
        title=(f"{row['period']} at risk: {count(created)} {words(step)} created of "
               f"{count(need, up=True)} needed"),
        evidence=(
            f"{words(step)} for {row['period']} must be created {date(row['start_week'])} to "
            f"{date(row['end_week'])}; the {row['weeks']} weeks so far need "
            f"{count(need, up=True)}, {count(created)} created",
            f"creation is {chance(p)} more than {pct(ctx.config.pipeline_shortfall)} below "
            "the plan",
            f"share of the plan done so far: {where}",
            f"{count(max(need - created, 0.0), up=True)} {words(step)} missing, worth "
            f"{money(value)} each",
        ),
        money=max(need - created, 0.0) * value, confidence=p, questions=questions,
        figures={"period": row["period"], "created": created, "needed": need,
                 "weeks": int(row["weeks"]), "need_per_week": float(row["per_week"]),
                 "probability": p, "shares": dict(zip(ctx.steps, shares, strict=False))},
    )


def run(ctx: CoachContext) -> list[Flag]:
    step = opportunity_step(ctx)
    if step is None or ctx.plans.needs.empty:
        return []
    w = creation_windows(ctx, step)
    if w.empty:
        return []
    created = done_so_far(ctx, step, w)
    p = prob_short(created, w["weeks"].to_numpy(float), w["per_week"].to_numpy(float),
                   ctx.config.pipeline_shortfall)
    return [_flag(ctx, step, w.loc[i], float(created[i]), float(p[i]))
            for i in np.flatnonzero(p >= ctx.config.confidence)]


RULE = register(Rule(
    name="pipeline_gap",
    summary="pipeline creation below what the next quarters need, given the lead time",
    run=run, label="Pipeline gap"))
