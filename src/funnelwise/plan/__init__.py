"""Plan backwards, audit forwards: the pure core of `funnelwise plan` and `funnelwise project`.

- `reverse`: from a quota to the wins, opportunities and activities it needs, per week, when;
- `project`: from a forward plan's weekly volumes to the revenue it produces, with P10-P90;
- `whatif`, `rollup`: scenarios, and the sum of per-rep plans against a team-average plan;
- `estimate`, `groups`: each rep's own rates, deal size, cycle and quota from the workspace.
"""

from funnelwise.periods import Period, parse_period
from funnelwise.plan.model import DealSize, Rate, RepFunnel, Target, Timing
from funnelwise.plan.project import PlanVolumes, Projection, project
from funnelwise.plan.reverse import RepPlan, StepNeed, plan_reps, required
from funnelwise.plan.rollup import Rollup, rollup
from funnelwise.plan.whatif import WhatIf, apply_what_if

__all__ = [
    "DealSize", "Period", "PlanVolumes", "Projection", "Rate", "RepFunnel", "RepPlan", "Rollup",
    "StepNeed", "Target", "Timing", "WhatIf", "apply_what_if", "parse_period", "plan_reps",
    "project", "required", "rollup",
]
