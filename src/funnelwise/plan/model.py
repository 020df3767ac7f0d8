"""What a plan is made of: rates with their uncertainty, deal size, timing and the target.

Notation (DESIGN.md section 2): target revenue T, average won deal size S, step rates
c_1 ... c_k from the first funnel step down to a win (the last one, from the opportunity step
to a win, is the win rate w), sales cycle L.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from funnelwise.errors import UserError, unknown_name
from funnelwise.periods import Period

if TYPE_CHECKING:
    from funnelwise.plan.open_deals import OpenPipeline


@dataclass(frozen=True)
class Rate:
    """A funnel step and the rate at which it converts into the next step.

    `alpha`, `beta`: the Beta posterior of the rate (successes and failures, prior included);
    both 0 means the rate is taken as exact (a number the user typed, or a what-if).
    """

    step: str
    value: float
    alpha: float = 0.0
    beta: float = 0.0

    @property
    def exact(self) -> bool:
        return self.alpha <= 0 or self.beta <= 0

    def interval(self, level: float) -> tuple[float, float]:
        """Central `level` interval of the posterior (the value itself when exact)."""
        if self.exact:
            return self.value, self.value
        from scipy.special import betaincinv  # loaded when an interval is first asked for

        tail = (1 - level) / 2
        lo, hi = betaincinv(self.alpha, self.beta, [tail, 1 - tail])
        return float(lo), float(hi)


@dataclass(frozen=True)
class DealSize:
    """Average won deal size S, how sure we are of it, and how much single deals vary.

    `se`: standard error of the average (uncertainty of S itself); `cv`: coefficient of
    variation of single won deals (sd / mean), the luck of which deals close.
    """

    mean: float
    se: float = 0.0
    cv: float = 0.0
    wins: int = 0


@dataclass(frozen=True)
class Timing:
    """Days before the revenue lands that each step must happen (one per step, final = 0).

    `lead_days` uses the median sales cycle: the typical start. `late_lead_days` uses the 90th
    percentile: the earliest week a prudent plan starts, so slow deals still land in time.
    """

    lead_days: tuple[float, ...] = ()
    late_lead_days: tuple[float, ...] = ()
    cycle_days: float | None = None
    cycle_late_days: float | None = None


@dataclass(frozen=True)
class RepFunnel:
    """Everything a plan needs about one rep (or group): rates top down, deal size, timing.

    `rates[j]` converts step j into step j + 1; the last converts into `final_step` (a win).
    `source` says whose history the figures come from ("own", or "team" when the rep has too
    little), and `note` says why. `pipeline`: what the rep has open and has won in the period,
    for a forward projection (`plan.open_deals`); None when not read.
    """

    key: str
    rates: tuple[Rate, ...]
    deal_size: DealSize
    final_step: str = "won"
    opportunity_step: str | None = None
    timing: Timing = field(default_factory=Timing)
    parent: str = ""
    source: str = "own"
    note: str = ""
    pipeline: OpenPipeline | None = None

    @property
    def steps(self) -> tuple[str, ...]:
        """Every step name, top down, the final step last."""
        return (*(r.step for r in self.rates), self.final_step)

    def index(self, step: str) -> int:
        names = self.steps
        if step not in names:
            raise unknown_name("funnel step", step, names)
        return names.index(step)

    @property
    def win_rate(self) -> float:
        """w: the product of the rates from the opportunity step down to a win."""
        start = self.index(self.opportunity_step) if self.opportunity_step else len(self.rates) - 1
        return math.prod(r.value for r in self.rates[start:])


@dataclass(frozen=True)
class Target:
    """The revenue a plan must reach (T), over how many selling weeks, in which period."""

    quota: float
    weeks: float
    period: Period | None = None

    def __post_init__(self) -> None:
        if not self.quota > 0:
            raise UserError(f"the quota must be positive, got {self.quota:g}")
        if not self.weeks > 0:
            raise UserError(f"the number of selling weeks must be positive, got {self.weeks:g}")
