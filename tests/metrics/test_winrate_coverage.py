"""Win-rate intervals hold the true rate at their nominal level on simulated orgs.

`bench/winrate_truth.py` measures it on 100 seeds at two history lengths (the table in
docs/metrics.md); this runs its first 16 seeds, 32 orgs of 40 reps. The prior is learnt per
org, so the reps of one org miss together: the org is the unit of chance. Over the bench's
seeds, one org's coverage varies between orgs with a standard deviation of about 9.5, 7 and
4 points at 50%, 80% and 95%, and 10 points for the reps far from their team; over 32 orgs
the standard errors are 1.7, 1.2, 0.7 and 1.8 points. The test allows 2.5 of them around
the nominal level (a calibrated model fails it about once in 80 draws of seeds) and asks at
least 90% minus as much for the far reps. The previous model (team rate taken as known,
Beta prior) held 46%, 74%, 93% and 89% (far reps) over 12 simulated orgs: it fails at 50%
and 80%.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import winrate_truth  # noqa: E402

SEEDS = winrate_truth.SEEDS[:16]
ALLOWED = {0.5: 2.5 * 0.017, 0.8: 2.5 * 0.012, 0.95: 2.5 * 0.007}
FAR_ALLOWED = 2.5 * 0.018

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reps() -> pd.DataFrame:
    return pd.concat([winrate_truth.rep_rows(seed, weeks)[0] for seed in SEEDS
                      for weeks in winrate_truth.HISTORIES])


@pytest.mark.parametrize("level", winrate_truth.LEVELS)
def test_intervals_hold_the_true_rate_at_their_level(reps, level):
    assert len(reps) == 32 * 40
    assert abs(reps[f"in{level}"].mean() - level) <= ALLOWED[level]


def test_reps_far_from_their_team_are_held_at_95_percent(reps):
    far = reps[reps["far"]]
    assert len(far) > 300
    assert far["in0.95"].mean() >= 0.90 - FAR_ALLOWED
