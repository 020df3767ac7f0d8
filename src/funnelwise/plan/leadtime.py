"""Lead time: how many days before the revenue lands each funnel step must happen.

Assumptions, from the bottom of the funnel up:

- the final step (a win) is the revenue itself: lead 0;
- an opportunity step (a stage or status) happens at the opportunity's creation, one sales
  cycle L before the close, L being the won-cycle distribution's median (typical start) or
  90th percentile (earliest start);
- each step above the opportunity adds `step_lag_days` (7 by default: a meeting is booked
  about a week after the conversation, an opportunity qualified about a week after the
  meeting), except an output of the touch just above it (a call connected, an email replied),
  which happens with that touch and adds nothing.

So with a 90-day cycle, qualified opportunities for Q3 (July-September) are needed from the
start of April, meetings a week earlier, outreach and its conversations a week before that.
"""

from __future__ import annotations

from funnelwise.plan.model import Timing
from funnelwise.schema.funnel import Funnel, Step

DEFAULT_STEP_LAG_DAYS = 7.0


def same_touch(step: Step, nxt: Step) -> bool:
    """True when `nxt` is an output of the activity `step` counts (no extra lag)."""
    if step.kind != "activity" or nxt.kind != "output":
        return False
    return not nxt.types or set(nxt.types) <= set(step.types)


def lead_days(funnel: Funnel, cycle_days: float, step_lag_days: float) -> tuple[float, ...]:
    """Days before the close that each step (top down, final last) must happen."""
    steps = funnel.steps
    last = len(steps) - 1
    leads = [0.0] * len(steps)
    for j in range(last - 1, -1, -1):
        below = leads[j + 1] if j + 1 < last else cycle_days
        if steps[j].is_opportunity_step:
            leads[j] = float(cycle_days)
        else:
            leads[j] = below + (0.0 if same_touch(steps[j], steps[j + 1]) else step_lag_days)
    return tuple(leads)


def timing(funnel: Funnel, cycle_days: float, cycle_late_days: float,
           step_lag_days: float = DEFAULT_STEP_LAG_DAYS) -> Timing:
    """Lead days from the median cycle and earliest-start lead days from the 90th percentile."""
    return Timing(lead_days=lead_days(funnel, cycle_days, step_lag_days),
                  late_lead_days=lead_days(funnel, cycle_late_days, step_lag_days),
                  cycle_days=cycle_days, cycle_late_days=cycle_late_days)


def simple_leads(steps: int, opportunity: int, cycle_days: float,
                 step_lag_days: float = DEFAULT_STEP_LAG_DAYS) -> tuple[float, ...]:
    """Lead days for a plain chain (explicit inputs): the same rules without step kinds.

    Steps at or below `opportunity` (but not the final) lead by the cycle; each step above by
    one more `step_lag_days`.
    """
    out = [0.0] * steps
    for j in range(steps - 2, -1, -1):
        out[j] = cycle_days + max(0, opportunity - j) * step_lag_days
    return tuple(out)
