"""What a forward projection takes from the pipeline: the deals already open, what is already
won, and when the plan's new deals' wins land.

The forecast's model (the `funnelwise` method, `forecast.lagged`) is fitted on the CRM as of
the day, nothing after it seen, and read as it is, at each rep's own pace: its timing is the
organisation's, and a rep whose won deals take twice the organisation's median cycle is given
it with every age doubled (`pace`; P(won by age t) at age a for the rep is the model's at
t / pace and a / pace):

- each open deal is won inside the period with its P(won in the period | stage, age, rep):
  its amount x Bernoulli(that chance);
- a deal the plan's volumes create on some day is won inside the period with the model's
  chance for a new deal created then. Over one deal created each day from the as-of day to
  the period's end, the expected wins inside the period divided by P(ever won), in weeks:
  `flow_weeks`, the weeks of planned flow whose wins land in the period. A deal created a
  week before the period ends is unlikely to close inside it, so a quarter with a 90-day
  sales cycle counts far fewer than its 13 weeks: the rest of those wins fall in the next
  period, as the last period's late wins fall in this one (they are among the open deals);
- what was won in the period before the as-of day counts as it is.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from funnelwise.forecast.base import window
from funnelwise.forecast.lagged import Funnelwise, odds_scale
from funnelwise.periods import Period
from funnelwise.schema.crm import Crm


@dataclass(frozen=True)
class OpenPipeline:
    """One group's pipeline for a period: won already, open deals and their chances, and the
    weeks of planned flow that land in the period."""

    as_of: dt.date
    won: float
    flow_weeks: float
    amounts: np.ndarray = field(default_factory=lambda: np.zeros(0))
    chances: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def expected(self) -> float:
        """Won already plus the open deals' expected wins in the period."""
        return self.won + float(self.amounts @ self.chances)


@dataclass(frozen=True)
class Pipelines:
    """Every group's pipeline for a period (`of` gives an empty one to a group without any)."""

    as_of: dt.date
    groups: dict[str, OpenPipeline]
    weeks: Callable[[float], float]
    pace: Mapping[str, float]

    def of(self, key: str) -> OpenPipeline:
        return self.groups.get(key) or OpenPipeline(
            as_of=self.as_of, won=0.0, flow_weeks=self.weeks(self.pace.get(key, 1.0)))


def _chances(model: Funnelwise, period: Period, pace: np.ndarray) -> np.ndarray:
    """P(won in the period) of each open deal, its ages counted at its rep's pace."""
    if not len(model.open_):
        return np.zeros(0)
    lo, hi = window(period, model.as_of_)
    age = model.open_["age"].to_numpy(float) / pace
    inside = model.survival_.p_won(model.states_, age, age + lo / pace, age + hi / pace)
    ever = model.survival_.p_eventually(model.states_, age)
    return np.clip(inside * odds_scale(ever, model.deal_odds_[0]), 0.0, 1.0)


def _flow_weeks(model: Funnelwise, period: Period, pace: float) -> float:
    """Weeks of a steady flow of new deals whose wins land in the period, at `pace`."""
    lo, hi = window(period, model.as_of_)
    if hi <= 0:
        return 0.0
    created = np.arange(0.0, hi) + 0.5
    p = model.survival_.p_new(np.maximum(lo - created, 0.0) / pace, (hi - created) / pace)
    ever = float(model.survival_.p_new(np.zeros(1), np.full(1, np.inf))[0])
    return float(p.sum()) / ever / 7 if ever > 0 else 0.0


def open_pipelines(crm: Crm, period: Period, as_of: dt.date, by: str = "rep",
                   pace: Mapping[str, float] | None = None) -> Pipelines:
    """Each group's `OpenPipeline` for `period`, from the CRM as of the start of `as_of`;
    `pace`: each group's median sales cycle over the organisation's (default 1)."""
    pace = pace or {}
    model = Funnelwise().fit(crm, as_of)
    deals = model.open_.assign(key=model.keys(model.open_["owner_rep_id"], by))
    deals["p"] = _chances(model, period, deals["key"].map(pace).fillna(1.0).to_numpy(float))
    won = model.won_so_far(period)
    so_far = won.groupby(model.keys(won["owner_rep_id"], by))["won_so_far"].sum()
    weeks = functools.cache(functools.partial(_flow_weeks, model, period))
    by_key = {str(k): g for k, g in deals.groupby("key")}
    keys = sorted(set(by_key) | {str(k) for k in so_far.index})
    return Pipelines(as_of=as_of, weeks=weeks, pace=pace, groups={key: OpenPipeline(
        as_of=as_of, won=float(so_far.get(key, 0.0)), flow_weeks=weeks(pace.get(key, 1.0)),
        amounts=by_key[key]["amount"].to_numpy(float) if key in by_key else np.zeros(0),
        chances=by_key[key]["p"].to_numpy(float) if key in by_key else np.zeros(0))
        for key in keys})
