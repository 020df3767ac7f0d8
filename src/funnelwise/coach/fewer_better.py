"""Fewer, better: reps who reach their outcome target with less activity than most.

Over a window of weeks, per rep:

    volume     count at the funnel's first step (outreach)
    outcomes   count at the opportunity step (qualified opportunities created): the customer
               outcome the plan is built on
    target     the plan's weekly need at that step (for the quarter each week feeds, see
               `coach.plans`) summed over the window; without a plan, the team's median

A rep is "fewer, better" when outcomes >= target and volume < the median volume of all reps.
What they do differently is read off two tables, the group against everyone else, pooled:
the mix (each activity type's share of the first step's activities) and the yield per type
(activities that produced an outcome / activities, `metrics.effectiveness`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from funnelwise.coach.context import default_week, latest_day
from funnelwise.coach.plans import Plans, load_plans, weekly_need
from funnelwise.coach.weekly import mondays, weekly_counts, weekly_frame
from funnelwise.metrics.effectiveness import Attribution, type_counts
from funnelwise.periods import monday
from funnelwise.schema.crm import Crm

DEFAULT_WEEKS = 13

REP_COLUMNS = ["rep", "team", "volume", "outcomes", "target", "target_source", "attainment",
               "outcomes_per_100", "fewer_better"]
TYPE_COLUMNS = ["type", "mix_fewer_better", "mix_others", "yield_fewer_better", "yield_others"]


@dataclass(frozen=True)
class FewerBetter:
    """Per rep: volume, outcomes, target and the verdict; per type: the group vs the rest."""

    reps: pd.DataFrame
    types: pd.DataFrame
    weeks: list[dt.date]
    volume_step: str
    outcome_step: str
    rep_types: pd.DataFrame

    @property
    def names(self) -> list[str]:
        return [str(r) for r in self.reps.loc[self.reps["fewer_better"], "rep"]]


def _targets(weekly: pd.DataFrame, plans: Plans, step: str,
             weeks: list[dt.date]) -> tuple[pd.Series, str]:
    need = weekly_need(plans, step, weeks)
    reps = weekly.index.get_level_values("rep_id").unique()
    if need.empty:
        total = weekly[step].groupby(level="rep_id").sum()
        return pd.Series(float(total.median()), index=reps), "team median"
    return need.groupby("rep")["need"].sum().reindex(reps), "plan"


def rep_table(weekly: pd.DataFrame, plans: Plans, reps: pd.DataFrame, weeks: list[dt.date],
              volume_step: str, outcome_step: str) -> pd.DataFrame:
    """Per rep over `weeks`: volume, outcomes, target and whether they are fewer, better."""
    w = weekly[weekly.index.get_level_values("week").isin(weeks)]
    sums = w.groupby(level="rep_id")[[volume_step, outcome_step]].sum()
    target, source = _targets(w, plans, outcome_step, weeks)
    out = pd.DataFrame({"rep": sums.index.astype(str), "volume": sums[volume_step].to_numpy(),
                        "outcomes": sums[outcome_step].to_numpy(),
                        "target": target.reindex(sums.index).to_numpy(float)})
    out["team"] = out["rep"].map(reps.set_index("rep_id")["team"])
    out["target_source"] = np.where(out["target"].notna(), source, "none")
    out["attainment"] = out["outcomes"] / out["target"].where(out["target"] > 0)
    out["outcomes_per_100"] = 100 * out["outcomes"] / out["volume"].where(out["volume"] > 0)
    out["fewer_better"] = (out["attainment"] >= 1) & (out["volume"] < out["volume"].median())
    return out.sort_values(["fewer_better", "attainment"], ascending=False)[REP_COLUMNS]


def pooled(counts: pd.DataFrame, members: list[str], mix_types: tuple[str, ...]) -> pd.DataFrame:
    """Per type over `members`' counts: share of the first step's activities, and yield."""
    g = counts[counts["key"].isin(members)].groupby("type")[["volume", "productive"]].sum()
    top = g.loc[g.index.isin(mix_types), "volume"]
    return pd.DataFrame({"mix": top / top.sum() if top.sum() else top,
                         "yield": g["productive"] / g["volume"].where(g["volume"] > 0)})


def rep_type_counts(crm: Crm, attribution: Attribution, weeks: list[dt.date]) -> pd.DataFrame:
    """Per rep and activity type over `weeks`: volume and productive activities."""
    until = weeks[-1] + dt.timedelta(days=6)
    return type_counts(crm, attribution, by="rep", since=weeks[0], until=until).to_pandas()


def type_table(counts: pd.DataFrame, members: list[str],
               mix_types: tuple[str, ...]) -> pd.DataFrame:
    """Mix and yield per activity type: the fewer-better reps against everyone else."""
    others = [k for k in counts["key"].unique() if k not in members]
    a, b = pooled(counts, members, mix_types), pooled(counts, others, mix_types)
    out = a.join(b, how="outer", lsuffix="_fewer_better", rsuffix="_others")
    return out.reset_index().rename(columns={"index": "type"})[TYPE_COLUMNS]


def fewer_better(crm: Crm, weekly: pd.DataFrame, plans: Plans, reps: pd.DataFrame,
                 weeks: list[dt.date], attribution: Attribution) -> FewerBetter:
    """The fewer-better reps over `weeks` and what differs in their mix and yields."""
    steps = crm.funnel.steps
    volume_step = steps[0].name
    outcome_step = next((s.name for s in steps if s.is_opportunity_step), steps[-1].name)
    table = rep_table(weekly, plans, reps, weeks, volume_step, outcome_step)
    members = [str(r) for r in table.loc[table["fewer_better"], "rep"]]
    counts = rep_type_counts(crm, attribution, weeks)
    return FewerBetter(reps=table.reset_index(drop=True), weeks=weeks,
                       types=type_table(counts, members, steps[0].types),
                       volume_step=volume_step, outcome_step=outcome_step, rep_types=counts)


def for_window(crm: Crm, *, since: dt.date | None, until: dt.date | None,
               attribution: Attribution) -> FewerBetter:
    """Fewer-better over the weeks from `since` to `until` (default: the last 13 weeks)."""
    last = monday(until) if until else default_week(latest_day(crm))
    first = monday(since) if since else last - dt.timedelta(weeks=DEFAULT_WEEKS - 1)
    weeks = mondays(first, last)
    reps = crm.reps.select("rep_id", "name", "manager", "team").to_pandas()
    steps = [s.name for s in crm.funnel.steps]
    weekly = weekly_frame(weekly_counts(crm).to_pandas(), sorted(reps["rep_id"].astype(str)),
                          steps, last, first)
    plans = load_plans(crm, last, len(weeks))
    return fewer_better(crm, weekly, plans, reps, weeks, attribution)
