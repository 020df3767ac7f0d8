"""Rates since a recent change: what a forward projection plans with.

A rep whose conversion at a step fell (or rose) mid-history converts at the new rate, not at
the average over the look-back: with the average, a rep whose outreach yield halved half a
year ago is projected to win half again as much as they will. For every step whose rate is a
flow of weekly counts (`metrics.weekly.flow_pairs`), each rep's weekly counts up to the last
full week before the as-of day go through the change-point model coaching flags drops with
(`metrics.changes.change_point`, with coaching's defaults: a change of more than MARGIN that
still holds over the last RECENT weeks). Where a drop or a rise is at least CONFIDENCE
likely, the rep's counts at the step become those since the likeliest week of the change;
the rate is then shrunk toward the team as any other (`plan.estimate`). Deal-stage rates
(the win rate) are cohorts, not weekly flows, and are left as they are.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from funnelwise.formats import chance, date, pct, ratio, words
from funnelwise.metrics.changes import change_point
from funnelwise.metrics.weekly import flow_pairs, mondays, weekly_counts, weekly_frame
from funnelwise.periods import monday
from funnelwise.schema.crm import Crm

MARGIN = 0.1
RECENT = 8
CONFIDENCE = 0.97


@dataclass(frozen=True)
class Change:
    """One rep's rate out of `step` since `since`: k of n then, against k of n before."""

    rep: str
    step: str
    since: dt.date
    k_before: float
    n_before: float
    k: float
    n: float
    probability: float

    def note(self) -> str:
        before, after = self.k_before / self.n_before, self.k / self.n
        moved = "fell" if after < before else "rose"
        return (f"{self.rep}: {words(self.step)} {moved} from {pct(before)} to {pct(after)} "
                f"in the week of {date(self.since)}, {chance(self.probability)}: projected "
                f"from the weeks since, {ratio(self.k, self.n)}")


def _week_table(crm: Crm, reps: list[str], as_of: dt.date) -> pd.DataFrame:
    """(rep, week) x step counts up to the last full week before `as_of`."""
    last = monday(as_of) - dt.timedelta(days=7)
    long = weekly_counts(crm).to_pandas()
    return weekly_frame(long, reps, [s.name for s in crm.funnel.steps], last)


def changes(crm: Crm, reps: list[str], as_of: dt.date) -> list[Change]:
    """Each rep's changes found at the flow steps, in the weeks before `as_of`."""
    if not reps:
        return []
    table = _week_table(crm, reps, as_of)
    weeks = mondays(table.index.get_level_values("week").min(), monday(as_of)
                    - dt.timedelta(days=7))
    found = []
    for step, nxt in flow_pairs(crm.funnel):
        n = table[step.name].unstack("week").reindex(index=reps, columns=weeks).to_numpy(float)
        k = table[nxt.name].unstack("week").reindex(index=reps, columns=weeks).to_numpy(float)
        found += _found(reps, step.name, weeks, k, n)
    return found


def _found(reps: list[str], step: str, weeks: list[dt.date], k: np.ndarray,
           n: np.ndarray) -> list[Change]:
    out = []
    drop = change_point(k, n, margin=MARGIN, recent=RECENT)
    rise = change_point(k, n, margin=MARGIN, recent=RECENT, rise=True)
    for i, rep in enumerate(reps):
        cp = drop if drop.prob[i] >= rise.prob[i] else rise
        if cp.prob[i] < CONFIDENCE or not 0 < cp.k_after[i] <= cp.n_after[i]:
            continue
        out.append(Change(rep=rep, step=step, since=weeks[int(cp.start[i])],
                          k_before=float(cp.k_before[i]), n_before=float(cp.n_before[i]),
                          k=float(cp.k_after[i]), n=float(cp.n_after[i]),
                          probability=float(cp.prob[i])))
    return out


def since_changes(links: pd.DataFrame, found: list[Change]) -> pd.DataFrame:
    """Rate counts (key, step, k, n) with each changed rep's counts since its change."""
    if not found:
        return links
    out = links.copy()
    for c in found:
        at = (out["key"].astype(str) == c.rep) & (out["step"] == c.step)
        out.loc[at, "k"], out.loc[at, "n"] = c.k, c.n
    return out
