"""P10 / P50 / P90 of a period's revenue by Monte Carlo (vectorised, seeded).

The revenue of a period is the sum of three parts:

    won so far (known)
  + sum over open deals of amount_i x Bernoulli(p_i)   (each deal is won in the period or not)
  + sum over reps of N_r amounts, N_r ~ Poisson(mu_r)   (wins from deals not yet created; for
                                                         the run rate, wins at the trailing pace)

Deals are independent given their probabilities; a flow's amounts are the rep's mean amount
times a ratio resampled from recent deals (amount / its rep's mean), so the shape of deal sizes
is kept (a few large deals make a wide interval). P10, P50 and P90 are the 10th, 50th and 90th
percentiles of `draws` simulated totals per group; the same seed gives the same figures.

A forecaster that knows how uncertain its own parameters are passes `Sets`: the deals'
probabilities and the flow's expected wins under each of R parameter sets drawn from their
posterior. Draw i then uses set i mod R, so the totals mix the chance in outcomes with the doubt
about the parameters (the deals of one draw share its parameters, which is what makes that
doubt not average away over many deals).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

QUANTILES = (0.1, 0.5, 0.9)
CHUNK = 2048


@dataclass(frozen=True)
class Flow:
    """Revenue from a Poisson number of future wins, per rep.

    `reps`: owner_rep_id, wins (expected number), mean_amount. `shape`: amount ratios to
    resample (an empty array means every win is worth exactly the rep's mean).
    """

    reps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        {"owner_rep_id": pd.Series(dtype=str), "wins": pd.Series(dtype=float),
         "mean_amount": pd.Series(dtype=float)}))
    shape: np.ndarray = field(default_factory=lambda: np.ones(1))

    @property
    def expected(self) -> pd.Series:
        return self.reps["wins"] * self.reps["mean_amount"]


@dataclass(frozen=True)
class Sets:
    """Parameter sets: `p` (R, deals) probabilities, `wins` (R, flow reps) expected wins."""

    p: np.ndarray
    wins: np.ndarray

    def of_draws(self, draws: int) -> np.ndarray:
        """The set each draw uses."""
        return np.arange(draws) % self.p.shape[0]


def _deal_totals(rng: np.random.Generator, amount: np.ndarray, p: np.ndarray,
                 group: np.ndarray, groups: int, draws: int,
                 sets: Sets | None = None) -> np.ndarray:
    out = np.zeros((draws, groups))
    which = sets.of_draws(draws) if sets is not None else None
    for lo in range(0, amount.shape[0], CHUNK):
        hi = lo + CHUNK
        n = amount[lo:hi].shape[0]
        chance = (p[None, lo:hi] if sets is None or which is None
                  else sets.p[:, lo:hi].astype(np.float32)[which])
        wins = rng.random((draws, n), dtype=np.float32) < chance
        onehot = np.zeros((n, groups))
        onehot[np.arange(n), group[lo:hi]] = amount[lo:hi]
        out += wins @ onehot
    return out


def _flow_totals(rng: np.random.Generator, flow: Flow, group: np.ndarray, groups: int,
                 draws: int, sets: Sets | None = None) -> np.ndarray:
    mu = flow.reps["wins"].to_numpy(float)
    mean = flow.reps["mean_amount"].to_numpy(float)
    reps = mu.shape[0]
    if reps == 0:
        return np.zeros((draws, groups))
    rate = mu[None, :] if sets is None else sets.wins[sets.of_draws(draws)]
    counts = rng.poisson(np.maximum(rate, 0.0), size=(draws, reps)).ravel()
    owner = np.repeat(np.arange(draws * reps), counts)
    shape = flow.shape if flow.shape.shape[0] else np.ones(1)
    values = mean[owner % reps] * rng.choice(shape, size=owner.shape[0])
    cell = (owner // reps) * groups + group[owner % reps]
    return np.bincount(cell, weights=values, minlength=draws * groups).reshape(draws, groups)


def simulate(deals: pd.DataFrame, flow: Flow, keys: list[str], *, draws: int,
             seed: int, sets: Sets | None = None) -> np.ndarray:
    """(draws, groups) simulated revenue still to come, per group in the order of `keys`.

    `deals` needs amount, p and key; `flow.reps` needs key besides its own columns; `sets`,
    when given, holds a row of probabilities per deal and of wins per flow rep for each
    parameter set, in the same order.
    """
    rng = np.random.default_rng(seed)
    index = {k: i for i, k in enumerate(keys)}
    deal_group = deals["key"].map(index).to_numpy(int)
    out = _deal_totals(rng, deals["amount"].to_numpy(float), deals["p"].to_numpy(float),
                       deal_group, len(keys), draws, sets)
    flow_group = flow.reps["key"].map(index).to_numpy(int) if len(flow.reps) else np.zeros(
        0, dtype=int)
    return out + _flow_totals(rng, flow, flow_group, len(keys), draws, sets)


def quantiles(totals: np.ndarray) -> np.ndarray:
    """(3, groups): P10, P50, P90 of simulated totals (linear interpolation)."""
    return np.quantile(totals, QUANTILES, axis=0)
