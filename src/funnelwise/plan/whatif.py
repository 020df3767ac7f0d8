"""What-if: change a rate or the deal size and see what it does to the required activity.

"1,000 emails at 1% or 100 at 15%": the same outcomes need 15 times fewer emails when the
email yield is 15 times higher. A what-if replaces a step's rate (`conversation=0.15`), the
win rate (`win-rate=0.3`) or the average deal size (`deal-size=120000`) and the plan is
recomputed; several changes apply together as one scenario. A rate set by a what-if is taken
as exact (it is an assumption, not an estimate); a new deal size keeps the old relative
uncertainty.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from funnelwise.errors import UserError, unknown_name
from funnelwise.plan.model import DealSize, Rate, RepFunnel

DEAL_SIZE = "deal-size"
WIN_RATE = "win-rate"
ALIASES = {"deal_size": DEAL_SIZE, "win_rate": WIN_RATE}


@dataclass(frozen=True)
class WhatIf:
    """One scenario: the changes it makes, by name (a step, `win-rate` or `deal-size`)."""

    changes: tuple[tuple[str, float], ...]

    @property
    def label(self) -> str:
        return ", ".join(f"{name}={value:g}" for name, value in self.changes)


def _rate(f: RepFunnel, step: str, value: float) -> RepFunnel:
    j = f.index(step)
    if j >= len(f.rates):
        raise UserError(f"what-if {step}={value:g}: {step!r} is the final step and has no rate "
                        "into a next one; change the win rate with win-rate=...")
    rates = list(f.rates)
    rates[j] = Rate(step=step, value=value)
    return replace(f, rates=tuple(rates))


def _win_rate(f: RepFunnel, value: float) -> RepFunnel:
    """Scale the last step's rate so the product from the opportunity step is `value`."""
    last = f.rates[-1]
    above = f.win_rate / last.value
    return _rate(f, last.step, value / above)


def _deal_size(f: RepFunnel, value: float) -> RepFunnel:
    d = f.deal_size
    return replace(f, deal_size=DealSize(mean=value, se=d.se * value / d.mean, cv=d.cv,
                                         wins=d.wins))


def _check(name: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise UserError(f"what-if {name}={value:g}: the value must be positive")
    if name != DEAL_SIZE and value > 1:
        raise UserError(f"what-if {name}={value:g}: a rate must be at most 1 (write 15% or 0.15)")


def apply_what_if(f: RepFunnel, what_if: WhatIf) -> RepFunnel:
    """The funnel with the scenario's changes applied, in order."""
    for raw, value in what_if.changes:
        name = ALIASES.get(raw, raw)
        _check(name, value)
        if name == DEAL_SIZE:
            f = _deal_size(f, value)
        elif name == WIN_RATE:
            f = _win_rate(f, value)
        elif name in f.steps:
            f = _rate(f, name, value)
        else:
            raise unknown_name("what-if", raw, (*f.steps[:-1], WIN_RATE, DEAL_SIZE))
    return f
