"""How uncertain the creation rate of deals not yet created is.

Deals to come arrive at the trailing rate: N deals created in the last L days give N / L
deals a day. N is a Poisson count, so the rate is known only to about 1 / sqrt(N) on the log
scale: with a Jeffreys prior its posterior is Gamma(N + 1/2, L). `rate_draws` draws the
rate's ratio to N / L from it, one per parameter set of the Monte Carlo, so a team that
created 40 deals last quarter gets a wider band than one that created 4,000.
"""

from __future__ import annotations

import numpy as np


def rate_draws(deals: int, rng: np.random.Generator, sets: int) -> np.ndarray:
    """(sets,) draws of rate / (N / L) from the Gamma(N + 1/2, L) posterior (1 with no deal:
    nothing to come is known exactly)."""
    if deals <= 0:
        return np.ones(sets)
    return rng.gamma(deals + 0.5, 1.0, size=sets) / deals
