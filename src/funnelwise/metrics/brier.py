"""The Brier score: how far predicted probabilities were from what happened.

    Brier    = mean over predictions of (p - y)^2
    skill    = 1 - Brier / Brier of the base rate

`p` is a predicted probability (a deal wins; it wins inside the period) and `y` the outcome,
1 if it happened and 0 if not. 0 is perfect; saying 50% every time scores 0.25, and being
sure and wrong every time scores 1. The bar to beat is the base rate: saying the share that
happened (the team's win rate) for every deal scores b x (1 - b) when that share is b, 0.24
for a team that wins 40%. `skill` above 0 means the probabilities beat that constant; a
probability that does not is no better than the win rate a manager already knows.
"""

from __future__ import annotations

import pandas as pd


def brier(p: pd.Series, y: pd.Series) -> float:
    """Mean of (p - y)^2 over the pairs that have a probability (NaN when there are none)."""
    return float(((p - y) ** 2).mean())


def skill(score: float, baseline: float) -> float:
    """1 - score / baseline: the share of the base rate's Brier score the probabilities
    remove (above 0: they beat it; NaN when the baseline is 0)."""
    return 1 - score / baseline if baseline else float("nan")
