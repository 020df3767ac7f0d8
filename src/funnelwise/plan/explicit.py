"""A plan from numbers the user types: no workspace, no history, rates taken as exact."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from funnelwise.errors import UserError
from funnelwise.formats import parse_rate
from funnelwise.plan.leadtime import DEFAULT_STEP_LAG_DAYS, simple_leads
from funnelwise.plan.model import DealSize, Rate, RepFunnel, Timing

OPPORTUNITY = "qualified"
FINAL = "won"
INPUT_KEY = "(input)"


def check_rate(name: str, value: float) -> float:
    """A rate must be in (0, 1]; a percentage typed as 15 is caught here."""
    if not 0 < value <= 1:
        raise UserError(f"rate of {name!r} must be between 0 and 1, got {value:g} "
                        "(write 12.5% or 0.125)")
    return value


def _check_names(steps: Sequence[tuple[str, float]]) -> None:
    names = [name for name, _ in steps]
    for reserved, flag in ((OPPORTUNITY, "--win-rate"), (FINAL, "--win-rate")):
        if reserved in names:
            raise UserError(f"--step {reserved}=...: {reserved!r} is the opportunity or final "
                            f"step; give its rate with {flag}")
    if len(set(names)) != len(names):
        raise UserError(f"--step names repeat: {', '.join(names)}; give each step once, "
                        "from the top of the funnel down")


def explicit_funnel(*, deal_size: float, win_rate: float, steps: Sequence[tuple[str, float]],
                    cycle_days: float | None = None, cycle_late_days: float | None = None,
                    step_lag_days: float = DEFAULT_STEP_LAG_DAYS,
                    deal_size_cv: float = 0.0) -> RepFunnel:
    """steps (top down) -> qualified (at `win_rate`) -> won, with a plain-chain lead time."""
    _check_names(steps)
    if not deal_size > 0:
        raise UserError(f"--deal-size must be positive, got {deal_size:g}")
    rates = tuple(Rate(step=name, value=check_rate(name, v)) for name, v in steps)
    rates += (Rate(step=OPPORTUNITY, value=check_rate(OPPORTUNITY, win_rate)),)
    timing = Timing()
    if cycle_days is not None:
        late = cycle_late_days if cycle_late_days is not None else cycle_days
        n, opp = len(rates) + 1, len(rates) - 1
        timing = Timing(lead_days=simple_leads(n, opp, cycle_days, step_lag_days),
                        late_lead_days=simple_leads(n, opp, late, step_lag_days),
                        cycle_days=cycle_days, cycle_late_days=late)
    return RepFunnel(key=INPUT_KEY, rates=rates, deal_size=DealSize(mean=deal_size,
                     cv=deal_size_cv), final_step=FINAL, opportunity_step=OPPORTUNITY,
                     timing=timing)


def parse_pair(value: str, flag: str) -> tuple[str, float]:
    """`NAME=NUMBER` as a pair, the number a share or a percentage (`conversation=12.5%` is
    `conversation=0.125`); anything else is a user error naming the flag."""
    name, sep, number = value.partition("=")
    try:
        if sep and name.strip():
            return name.strip(), parse_rate(number)
    except ValueError:
        pass
    raise UserError(f"{flag} {value!r}: expected NAME=NUMBER, e.g. {flag} conversation=12.5% "
                    "(or 0.125)")


def parse_pairs(values: Sequence[str] | None, flag: str) -> tuple[tuple[str, float], ...]:
    return tuple(parse_pair(v, flag) for v in values or ())


@dataclass(frozen=True)
class Explicit:
    """Numbers typed on the command line: a single plan with no workspace."""

    quota: float | None
    deal_size: float | None
    win_rate: float | None
    steps: tuple[tuple[str, float], ...]

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.quota, self.deal_size, self.win_rate)) or bool(
            self.steps)

    def check(self) -> tuple[float, float, float]:
        missing = [flag for flag, v in (("--quota", self.quota), ("--deal-size", self.deal_size),
                                        ("--win-rate", self.win_rate)) if v is None]
        if missing or self.quota is None or self.deal_size is None or self.win_rate is None:
            raise UserError(f"a plan from explicit numbers also needs {', '.join(missing)}")
        return self.quota, self.deal_size, self.win_rate
