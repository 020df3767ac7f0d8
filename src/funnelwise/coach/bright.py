"""Bright spots worth sharing with the team: what is working, with the same evidence standard.

- a rate that really rose: the mirror of `conversion_drop`, P(rate since the change more
  than `min_drop` above the rate before) >= confidence (`coach.stats.change_point`);
- fewer, better: at or above the outcome target with less activity than most reps
  (`coach.fewer_better`), with what differs in their mix and yields.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnelwise.coach.context import CoachContext
from funnelwise.coach.fewer_better import FewerBetter, pooled
from funnelwise.coach.rules.conversion_drop import flow_steps, rate_changes
from funnelwise.formats import chance, count, date, pct, ratio, words


@dataclass(frozen=True)
class BrightSpot:
    """Something one rep does well, and the numbers that show it."""

    rep: str
    kind: str
    title: str
    evidence: tuple[str, ...]


def rate_rises(ctx: CoachContext) -> list[BrightSpot]:
    """Reps whose rate at a step rose beyond noise, against their own history."""
    spots = []
    for step, nxt in flow_steps(ctx):
        n, _, cp = rate_changes(ctx, step, nxt, rise=True)
        for i in np.flatnonzero(cp.prob >= ctx.config.confidence):
            before = cp.k_before[i] / max(cp.n_before[i], 1)
            after = cp.k_after[i] / max(cp.n_after[i], 1)
            since = list(n.columns)[int(cp.start[i])]
            spots.append(BrightSpot(
                rep=str(n.index[i]), kind="rate_rise",
                title=(f"{words(step.name)} → {words(nxt.name)} up from {pct(before)} to "
                       f"{pct(after)}"),
                evidence=(f"before {date(since)}: {ratio(cp.k_before[i], cp.n_before[i])}; "
                          f"since: {ratio(cp.k_after[i], cp.n_after[i])}; "
                          f"{chance(cp.prob[i])} more than {pct(ctx.config.min_drop)} up",)))
    return spots


def differences(fb: FewerBetter, rep: str, mix_types: tuple[str, ...]) -> str:
    """The type where the rep's yield is furthest above the other reps', in words."""
    mine = pooled(fb.rep_types, [rep], mix_types)
    rest = pooled(fb.rep_types, [k for k in fb.rep_types["key"].unique() if k != rep],
                  mix_types)
    t = mine.join(rest, lsuffix="_rep", rsuffix="_rest").dropna(subset=["mix_rep", "mix_rest"])
    gap = t["yield_rep"] / t["yield_rest"].where(t["yield_rest"] > 0)
    if gap.dropna().empty:
        return ""
    kind = gap.idxmax()
    r = t.loc[kind]
    return (f"{words(kind)}: {pct(r['mix_rep'])} of their {words(fb.volume_step)} (others "
            f"{pct(r['mix_rest'])}), yield {pct(r['yield_rep'])} (others {pct(r['yield_rest'])})")


def fewer_better_spots(fb: FewerBetter, mix_types: tuple[str, ...]) -> list[BrightSpot]:
    """One spot per fewer-better rep: outcomes against target on below-median volume."""
    median = float(fb.reps["volume"].median())
    spots = []
    for r in fb.reps[fb.reps["fewer_better"]].itertuples():
        how = differences(fb, str(r.rep), mix_types)
        spots.append(BrightSpot(
            rep=str(r.rep), kind="fewer_better",
            title=f"{pct(r.attainment)} of the {words(fb.outcome_step)} target on "
                  f"{pct(1 - float(r.volume) / median)} less {words(fb.volume_step)} than the "
                  "median",
            evidence=(f"{count(r.outcomes)} {words(fb.outcome_step)} of "
                      f"{count(r.target, up=True)} needed from {count(r.volume)} "
                      f"{words(fb.volume_step)} (median {count(median)}) over "
                      f"{len(fb.weeks)} weeks",
                      *((f"what differs most: {how}",) if how else ()))))
    return spots
