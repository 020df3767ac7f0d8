"""A plan run as `funnelwise plan` and the dashboard's plan page both make it.

From the groups' funnels and targets (`groups.load_groups`, or numbers typed in), one run
gives the base plans, the what-if scenario's plans (when it changes anything) and the team
roll-up: the sum of the per-group plans against one team-average plan (the team's total quota
through its pooled rates), made when there are several groups.

Without a period asked for, both plan `periods.default_period` of the data's today.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from funnelwise.metrics.shrinkage import DEFAULT_LEVEL
from funnelwise.plan.groups import Groups
from funnelwise.plan.model import RepFunnel, Target
from funnelwise.plan.montecarlo import DEFAULT_SEED
from funnelwise.plan.reverse import DEFAULT_DRAWS, RepPlan, plan_reps
from funnelwise.plan.rollup import Rollup, rollup
from funnelwise.plan.whatif import WhatIf, apply_what_if

NO_CHANGE = WhatIf(())


@dataclass(frozen=True)
class PlanSet:
    """Base plans, the scenario's plans (empty without a what-if) and the team roll-up.

    `by` is the grouping of plans drawn from the workspace (None for typed-in numbers);
    `notes` says which groups borrowed their parent's figures, and why.
    """

    base: tuple[RepPlan, ...]
    scenario: tuple[RepPlan, ...]
    rollup: Rollup | None
    notes: tuple[str, ...]
    by: str | None
    what_if: WhatIf


def make_plans(funnels: list[RepFunnel], targets: list[Target], *, groups: Groups | None,
               what_if: WhatIf = NO_CHANGE, by: str = "rep", level: float = DEFAULT_LEVEL,
               draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED) -> PlanSet:
    """Reverse-funnel plans of `funnels`, the what-if's plans, and the roll-up of `groups`.

    The scenario's plans keep the base plans' targets and draws, so base and scenario differ
    only by the changes the what-if makes.
    """
    run = functools.partial(plan_reps, level=level, draws=draws, seed=seed)
    base = run(funnels, targets)
    alt = run([apply_what_if(f, what_if) for f in funnels], targets,
              scenario=f"what-if: {what_if.label}") if what_if.changes else []
    roll = None
    if groups is not None and by != "all" and len(base) > 1:
        roll = rollup(base, run([groups.team], [groups.team_target])[0])
    return PlanSet(base=tuple(base), scenario=tuple(alt), rollup=roll,
                   notes=groups.notes if groups else (), by=by if groups else None,
                   what_if=what_if)
