"""Baseline: the trailing average of won revenue, carried over the rest of the period.

    forecast = won so far + (won revenue in the last L days / L) x days of the period still ahead

L is the snapshot's run-rate window (182 days, half a year, cut to the history available
before `as_of`). The interval treats wins as a Poisson process at the trailing pace, each worth
an amount resampled from the trailing wins, per rep.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from funnelwise.forecast.base import Forecaster, register
from funnelwise.forecast.montecarlo import Flow
from funnelwise.periods import Period


def days_ahead(period: Period, as_of: dt.date) -> float:
    """Days of the period on or after `as_of`."""
    return float(max(0, (period.end - max(period.start, as_of)).days + 1))


def per_rep(deals: pd.DataFrame, prior: float = 0.0) -> pd.DataFrame:
    """owner_rep_id, deals and mean amount per rep (shrunk toward the team by `prior` deals)."""
    team = float(deals["amount"].mean()) if len(deals) else 0.0
    out = deals.groupby("owner_rep_id")["amount"].agg(["size", "mean"]).reset_index()
    n = out["size"].astype(float)
    out["mean_amount"] = (n * out["mean"] + prior * team) / (n + prior)
    return out.rename(columns={"size": "deals"})[["owner_rep_id", "deals", "mean_amount"]]


def amount_shape(deals: pd.DataFrame, reps: pd.DataFrame) -> np.ndarray:
    """Each amount over its rep's mean: the shape of deal sizes, for resampling."""
    means = deals["owner_rep_id"].map(reps.set_index("owner_rep_id")["mean_amount"])
    ratio = (deals["amount"] / means.where(means > 0)).dropna()
    return ratio.to_numpy(float) if len(ratio) else np.ones(1)


@register
class RunRate(Forecaster):
    """Won revenue at the trailing pace."""

    name = "run_rate"
    label = "Run rate"
    summary = "trailing average of won revenue"

    def _fit(self) -> None:
        won = self.snapshot_.won
        self.per_rep_ = per_rep(won)
        self.shape_ = amount_shape(won, self.per_rep_)
        self.window_days_ = self.snapshot_.run_rate_days

    def flow(self, period: Period) -> Flow:
        pace = days_ahead(period, self.as_of_) / self.window_days_
        reps = self.per_rep_
        out = pd.DataFrame({"owner_rep_id": reps["owner_rep_id"],
                            "wins": reps["deals"].astype(float) * pace,
                            "mean_amount": reps["mean_amount"]})
        return Flow(reps=out, shape=self.shape_)

    def notes(self) -> tuple[str, ...]:
        return (f"run rate over the {self.window_days_} days before {self.as_of_}",)
