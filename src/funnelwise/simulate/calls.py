"""The reps' forecast: a category on every deal and a commit call per rep and past quarter.

A deal's category follows its stage at the data end: Negotiation is called commit, Proposal
best case, Qualified pipeline, a closed deal closed. Each rep calls, seven days into every
quarter that ends inside the data, a commit of what they go on to win in it times their bias
times a random error (log-normal, sigma `NOISE`): the first rep calls `OPTIMISTIC` times what
is won, the second `SANDBAGGING`, the others close to 1. A quarter the rep wins nothing in has
no call. The biases are in the truth.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

from funnelwise.simulate.columns import labels, timestamps
from funnelwise.simulate.config import DAY, EPOCH, LOST_STAGE, WON_STAGE, SimConfig
from funnelwise.simulate.opps import Opps

CATEGORIES = ("pipeline", "best_case", "commit", "closed", "closed")
"""The category of each stage code (Qualified, Proposal, Negotiation, Closed Won, Lost)."""
OPTIMISTIC, SANDBAGGING, SPREAD, NOISE = 1.4, 0.7, 0.05, 0.12
SUBMITTED = 7 * DAY + 9 * 3600
assert CATEGORIES[WON_STAGE] == CATEGORIES[LOST_STAGE] == "closed"


def categories(stage: np.ndarray) -> pa.Array:
    """The forecast category of each deal from its stage code at the data end."""
    return labels(CATEGORIES, stage)


def biases(rng: np.random.Generator, reps: int) -> np.ndarray:
    """Each rep's call / won: the first optimistic, the second sandbagging, the rest near 1."""
    out = np.exp(rng.normal(0.0, SPREAD, reps))
    out[:2] = (OPTIMISTIC, SANDBAGGING)[:reps]
    return out


def _quarters(config: SimConfig) -> list[tuple[dt.date, dt.date]]:
    """Calendar quarters inside the data, as (first day, first day after)."""
    first = dt.date(config.start.year, 3 * ((config.start.month - 1) // 3) + 1, 1)
    out: list[tuple[dt.date, dt.date]] = []
    while True:
        month = first.month + 3
        nxt = dt.date(first.year + (month > 12), (month - 1) % 12 + 1, 1)
        if nxt > config.end:
            return out
        if first >= config.start:
            out.append((first, nxt))
        first = nxt


def forecast_calls(rng: np.random.Generator, config: SimConfig, opps: Opps, rep_ids: pa.Array,
                   bias: np.ndarray) -> pa.Table:
    """One commit call per rep and quarter inside the data in which the rep won something."""
    quarters = _quarters(config)
    reps = len(bias)
    rows: dict[str, list] = {"rep": [], "period": [], "amount": [], "t": []}
    won = opps.won & (opps.close_t < config.end_s)
    for first, after in quarters:
        lo, hi = (first - EPOCH).days * DAY, (after - EPOCH).days * DAY
        inside = won & (opps.close_t >= lo) & (opps.close_t < hi)
        total = np.bincount(opps.rep[inside], weights=opps.amount[inside], minlength=reps)
        error = np.exp(rng.normal(0.0, NOISE, reps))
        for rep in np.flatnonzero(total > 0):
            rows["rep"].append(int(rep))
            rows["period"].append(f"{first.year}-Q{(first.month - 1) // 3 + 1}")
            rows["amount"].append(round(float(total[rep] * bias[rep] * error[rep]), 2))
            rows["t"].append(lo + SUBMITTED)
    return pa.table({
        "rep_id": rep_ids.take(pa.array(rows["rep"], pa.int64())),
        "period": pa.array(rows["period"], pa.string()),
        "call": pa.array(["commit"] * len(rows["rep"]), pa.string()),
        "amount": pa.array(rows["amount"], pa.float64()),
        "submitted_at": timestamps(np.array(rows["t"], np.int64)),
    })
