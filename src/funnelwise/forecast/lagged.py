"""funnelwise's forecast: the lag between pipeline and revenue, from a survival model.

    forecast = won so far
             + sum over open deals of amount x P(won inside the period | stage, age, rep)
             + sum over reps of rate_r x size_r x (expected wins inside the period of one deal
                                                    a day created from now to the period end)

P(won inside the period | stage, age) comes from the multi-state survival model of
`survival` (stages and age in weekly bins, still-open deals censored), fitted on the history
before `as_of`: a deal is won "inside the period" if it is won at an age between the period's
start and end. A young deal in its first stage is unlikely to close this quarter even if it is
likely to close one day: that is the lag the stage-weighted baseline ignores.

The rep enters as an odds ratio on the chance of ever winning, odds(w_r) / odds(w), with w_r
the rep's win rate shrunk toward the team (beta-binomial, `metrics.shrinkage`) and w the
organisation's: a deal of a rep who wins twice the odds is twice as likely in odds to be won;
its timing is the team's. Deals not yet created arrive at each rep's trailing creation rate,
rate_r = deals created in the last L days / L (L = 91 days), worth the rep's mean deal size
shrunk toward the team's by 5 deals, and follow the same model from their first stage.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from funnelwise.forecast.base import Forecaster, register, window
from funnelwise.forecast.montecarlo import Flow
from funnelwise.forecast.run_rate import amount_shape, per_rep
from funnelwise.forecast.survival import StageSurvival, fit_survival
from funnelwise.metrics.shrinkage import parent_rates, posterior
from funnelwise.periods import Period

SIZE_PRIOR = 5.0


def odds(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(q / (1 - q))


def odds_scale(p_ever: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """Factor turning P(won ever) into the rep's: odds(p) x ratio back to a probability, / p.

    Applied to P(won in the window), it changes how likely a deal is to be won, not when.
    """
    o = odds(p_ever) * ratio
    ever = o / (1 + o)
    return np.divide(ever, p_ever, out=np.ones_like(ever), where=p_ever > 1e-9)


def rep_odds(results: pd.DataFrame) -> pd.Series:
    """Odds ratio of each rep's shrunk win rate to the organisation's, indexed by rep id."""
    if results.empty:
        return pd.Series(dtype=float)
    k = results["won"].to_numpy(float)
    n = k + results["lost"].to_numpy(float)
    parent = parent_rates(results.assign(closed=n), k="won", n="closed").to_numpy(float)
    overall = (k.sum() + 0.5) / (n.sum() + 1.0)
    ratio = odds(posterior(k, n, parent).mean()) / odds(overall)
    return pd.Series(ratio, index=results["key"].astype(str))


@register
class Funnelwise(Forecaster):
    """Won so far + open deals x P(won in the period | stage, age, rep) + deals to come."""

    name = "funnelwise"
    label = "Funnelwise model"
    summary = "survival model of time to close by stage and age, plus deals not yet created"

    def _fit(self) -> None:
        shot = self.snapshot_
        self.survival_: StageSurvival = fit_survival(shot.spells)
        rank = {s: i for i, s in enumerate(shot.spells.states)}
        self.states_ = self.open_["stage"].map(rank).fillna(0).to_numpy(int)
        self.odds_ = rep_odds(shot.results)
        self.deal_odds_ = self.open_["owner_rep_id"].map(self.odds_).fillna(1.0).to_numpy(float)
        self.creation_ = per_rep(shot.created, prior=SIZE_PRIOR)
        self.shape_ = amount_shape(shot.created, self.creation_)

    def deal_probabilities(self, period: Period) -> np.ndarray:
        if not len(self.open_):
            return np.zeros(0)
        lo, hi = window(period, self.as_of_)
        age = self.open_["age"].to_numpy(float)
        inside = self.survival_.p_won(self.states_, age, age + lo, age + hi)
        ever = self.survival_.p_eventually(self.states_, age)
        return np.clip(inside * odds_scale(ever, self.deal_odds_), 0.0, 1.0)

    def wins_per_daily_deal(self, period: Period) -> tuple[float, float]:
        """Expected wins in the period from one deal a day created until its end; P(ever)."""
        lo, hi = window(period, self.as_of_)
        if hi <= 0:
            return 0.0, 0.0
        created = np.arange(0.0, hi) + 0.5
        p = self.survival_.p_new(np.maximum(lo - created, 0.0), hi - created)
        ever = float(self.survival_.p_new(np.zeros(1), np.full(1, np.inf))[0])
        return float(p.sum()), ever

    def flow(self, period: Period) -> Flow:
        wins, ever = self.wins_per_daily_deal(period)
        reps = self.creation_
        ratio = reps["owner_rep_id"].map(self.odds_).fillna(1.0).to_numpy(float)
        per_deal = wins * odds_scale(np.full(len(reps), ever), ratio)
        rate = reps["deals"].to_numpy(float) / self.snapshot_.creation_days
        out = pd.DataFrame({"owner_rep_id": reps["owner_rep_id"], "wins": rate * per_deal,
                            "mean_amount": reps["mean_amount"]})
        return Flow(reps=out, shape=self.shape_)

    def notes(self) -> tuple[str, ...]:
        if not len(self.snapshot_.spells.moves):
            return (f"no deal had moved or closed before {self.as_of_}: nothing to learn "
                    "the timing from, so nothing is forecast to close",)
        return (f"deals to come at the creation rate of the {self.snapshot_.creation_days} "
                f"days before {self.as_of_}; survival model in "
                f"{self.survival_.bin_days:.0f}-day age bins",)
