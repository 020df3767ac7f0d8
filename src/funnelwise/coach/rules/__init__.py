"""Coaching red flags: a registry of small named rules, one module each.

A rule reads the `CoachContext` (the coached week, every rep's weekly counts, the plans) and
returns `Flag`s: one per rep and problem, each with the evidence a manager can check (counts,
windows, rates, how sure), the revenue at stake and two or three questions to open the
conversation with. Flags are ranked by money at stake. A third party adds a rule the same way
the built-ins do:

    register(Rule(name="no_demos", summary="...", run=my_rule, label="No demos booked"))

`name` is the id JSON and CSV carry; `label` is what a manager reads (the name in words when
a rule gives none). Evidence reads figures with `funnelwise.formats`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from funnelwise.errors import unknown_name
from funnelwise.formats import words

if TYPE_CHECKING:
    from funnelwise.coach.context import CoachContext


@dataclass(frozen=True)
class Flag:
    """One red flag on one rep: what, the evidence, how sure, what is at stake, what to ask."""

    rep: str
    rule: str
    title: str
    evidence: tuple[str, ...]
    money: float
    questions: tuple[str, ...]
    step: str | None = None
    confidence: float | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    deals: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Rule:
    """A named check over the context, returning its flags."""

    name: str
    summary: str
    run: Callable[[CoachContext], list[Flag]]
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", words(self.name).capitalize())


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    RULES[rule.name] = rule
    return rule


def rules(names: Iterable[str] | None = None) -> tuple[Rule, ...]:
    """The registered rules (built-ins first), or the named ones."""
    _load_builtins()
    if names is None:
        return tuple(RULES.values())
    for name in names:
        if name not in RULES:
            raise unknown_name("coaching rule", name, RULES)
    return tuple(RULES[n] for n in names)


def label(name: str) -> str:
    """The label of the coaching rule registered as `name` (its name in words if unknown)."""
    _load_builtins()
    rule = RULES.get(name)
    return rule.label if rule else words(name).capitalize()


def rank(flags: Iterable[Flag]) -> list[Flag]:
    """Flags by money at stake, largest first (ties: rep, then rule)."""
    return sorted(flags, key=lambda f: (-(f.money if f.money == f.money else 0.0), f.rep,
                                        f.rule))


def run_rules(ctx: CoachContext, names: Iterable[str] | None = None) -> list[Flag]:
    """Every rule's flags on the context, ranked by money at stake."""
    return rank(flag for rule in rules(names) for flag in rule.run(ctx))


def _load_builtins() -> None:
    from funnelwise.coach.rules import (  # noqa: F401
        conversion_drop,
        missed_goal,
        pipeline_gap,
        stalled_deals,
    )
