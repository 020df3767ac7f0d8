"""Baseline: open amount x the historical win rate of its stage (what most CRMs show).

    forecast = won so far + sum over open deals of amount x win rate of the deal's stage

The win rate of stage s is the share won among closed deals that reached s (a deal that reached
a later stage passed the earlier ones; a won deal passed them all): (won + 1/2) / (closed + 1)
over the history before `as_of`. Every open deal counts whole, whenever it may close: the
baseline has no notion of time, and no revenue from deals not yet created.
"""

from __future__ import annotations

import numpy as np

from funnelwise.forecast.base import Forecaster, register
from funnelwise.periods import Period


def stage_rates(reached: np.ndarray, won: np.ndarray, closed: np.ndarray,
                stages: int) -> np.ndarray:
    """Win rate of each stage from closed deals counted by the furthest stage they reached."""
    level = np.clip(reached, 0, stages - 1)
    at_least = np.arange(stages)[:, None] <= level[None, :]
    return (at_least @ won + 0.5) / (at_least @ closed + 1.0)


@register
class StageWeighted(Forecaster):
    """Open pipeline weighted by each stage's historical win rate."""

    name = "stage_weighted"
    label = "Stage-weighted pipeline"
    summary = "open amount x historical win rate of its stage"

    def _fit(self) -> None:
        shot = self.snapshot_
        stages = shot.spells.states
        r = shot.reached
        self.stage_rates_ = stage_rates(r["reached"].to_numpy(int), r["won"].to_numpy(float),
                                        r["closed"].to_numpy(float), max(len(stages), 1))
        rank = {s: i for i, s in enumerate(stages)}
        self.ranks_ = self.open_["stage"].map(rank).fillna(0).to_numpy(int)

    def deal_probabilities(self, period: Period) -> np.ndarray:
        """The stage's win rate; deals closing after the period count all the same."""
        return np.asarray(self.stage_rates_[self.ranks_], dtype=float)
