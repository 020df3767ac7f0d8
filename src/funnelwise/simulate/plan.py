"""Planted truth: which reps suffer a real conversion drop, miss their activity goal or hoard.

- Drop reps (about 12.5%): one step among outreach -> conversation (c1), conversation ->
  meeting (c2) and meeting -> qualified (c3) falls to about half (x0.45-0.55) from a week in
  the middle third of the period onwards. The week is the week of the step's input event.
- Goal-missing reps (about 12.5%, disjoint from the drop reps): in 6 or 7 of the last 8 weeks
  their expected outreach is 55-65% of their weekly target, the target being their normal
  weekly volume.
- Hoarders (about 15%, drawn independently): carry extra stale and inflated open deals.
Everyone else is noise-only: the same rates every week, Poisson counts and Bernoulli outcomes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

DROP_STEPS = ("outreach", "conversation", "meeting")
GOAL_WINDOW = 8


@dataclass(frozen=True)
class Plan:
    """Planted changes, arrays indexed by rep (and week)."""

    drop_step: np.ndarray
    drop_week: np.ndarray
    drop_factor: np.ndarray
    volume_factor: np.ndarray
    hoarder: np.ndarray

    @property
    def missed(self) -> np.ndarray:
        """(reps, weeks) True where the rep's outreach was planted below target."""
        return np.asarray(self.volume_factor < 1.0)

    @property
    def has_drop(self) -> np.ndarray:
        return np.asarray(self.drop_step >= 0)

    @property
    def has_missed_goal(self) -> np.ndarray:
        return np.asarray(self.missed.any(axis=1))

    def step_factor(self) -> np.ndarray:
        """(reps, weeks, 3): multiplier of c1, c2, c3 by the week of the step's input event."""
        reps, weeks = self.volume_factor.shape
        out = np.ones((reps, weeks, len(DROP_STEPS)))
        for rep in np.flatnonzero(self.has_drop):
            out[rep, self.drop_week[rep]:, self.drop_step[rep]] = self.drop_factor[rep]
        return out


def planted_count(reps: int, share: float) -> int:
    """How many reps get a planted change: share x reps, rounded half up."""
    return math.floor(share * reps + 0.5)


def _missed_weeks(rng: np.random.Generator, weeks: int) -> np.ndarray:
    """Indices of 6 or 7 of the last 8 weeks (75-90% of the window when it is shorter)."""
    window = min(GOAL_WINDOW, weeks)
    missed = min(window, math.ceil(0.75 * window) + int(rng.integers(0, 2)))
    return np.sort(weeks - window + rng.choice(window, size=missed, replace=False))


def make_plan(rng: np.random.Generator, reps: int, weeks: int) -> Plan:
    """Choose the drop, goal-miss and hoarder reps and the size and timing of each change."""
    order = rng.permutation(reps)
    n_drop = planted_count(reps, 0.125)
    n_miss = planted_count(reps, 0.125)
    drop_reps, miss_reps = order[:n_drop], order[n_drop:n_drop + n_miss]
    drop_step = np.full(reps, -1)
    drop_week = np.zeros(reps, dtype=np.int64)
    drop_factor = np.ones(reps)
    lo = weeks // 3
    hi = max(lo + 1, (2 * weeks) // 3)
    drop_step[drop_reps] = rng.integers(0, len(DROP_STEPS), size=n_drop)
    drop_week[drop_reps] = rng.integers(lo, hi, size=n_drop)
    drop_factor[drop_reps] = rng.uniform(0.45, 0.55, size=n_drop)
    volume_factor = np.ones((reps, weeks))
    for rep in miss_reps:
        missed = _missed_weeks(rng, weeks)
        volume_factor[rep, missed] = rng.uniform(0.55, 0.65, size=missed.shape[0])
    hoarder = np.zeros(reps, dtype=bool)
    hoarder[rng.permutation(reps)[:planted_count(reps, 0.15)]] = True
    return Plan(drop_step=drop_step, drop_week=drop_week, drop_factor=drop_factor,
                volume_factor=volume_factor, hoarder=hoarder)
