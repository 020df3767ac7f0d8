"""Team roll-up: the sum of every rep's own requirement against one team-average plan.

The team-average plan takes the team's total quota through the team's pooled rates and
average deal size. Required volume is 1 / rate, a convex function, so reps with lower rates
need disproportionately more: the sum of per-rep requirements is usually above the
team-average plan, and the difference is the activity a plan drawn from averages leaves out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from funnelwise.plan.reverse import RepPlan


@dataclass(frozen=True)
class RollupStep:
    """One step: the reps' requirements summed, the team-average one, and the difference."""

    step: str
    sum_of_reps: float
    team_average: float

    @property
    def difference(self) -> float:
        return self.sum_of_reps - self.team_average

    @property
    def difference_pct(self) -> float | None:
        return self.difference / self.team_average if self.team_average else None


@dataclass(frozen=True)
class Rollup:
    """The roll-up of a set of per-rep plans against the team-average plan."""

    reps: int
    quota: float
    weeks: float
    steps: tuple[RollupStep, ...]
    team: RepPlan


def rollup(plans: Sequence[RepPlan], team: RepPlan) -> Rollup:
    """Compare the per-rep plans' summed requirements with the team plan, step by step."""
    steps = tuple(
        RollupStep(step=need.step, team_average=need.total_needed,
                   sum_of_reps=sum(p.steps[j].total_needed for p in plans))
        for j, need in enumerate(team.steps)
    )
    return Rollup(reps=len(plans), quota=sum(p.target.quota for p in plans),
                  weeks=team.target.weeks, steps=steps, team=team)
