"""Review rules: a registry of small named checks, one module each.

A rule takes the review `Context` (the CRM, the snapshot, the deals open at that date, the
thresholds) and returns the deals it flags as an Ibis table with `opportunity_id`, `value` and
`threshold` (what was measured and the line it crossed) plus the evidence columns its
`evidence` function reads; it may add a boolean `disqualifying` column to decide deal by deal.
A rule that cannot run on this data (no activities linked to deals, say) raises `Skip` with the
reason, which the review reports as a note. `disqualifying` says whether the rule's flags take
a deal out of qualified value; the funnel's `[review] disqualifying` list overrides it.

Built-in rules register themselves exactly as a third party's would:

    register(Rule(name="no_next_step", summary="...", disqualifying=False,
                  flag=my_flag, evidence=lambda row: f"...", label="No next step"))

`name` is the id JSON and CSV carry; `label` is what a manager reads in tables, the brief and
the dashboard (the name in words when a rule gives none). Evidence is written with
`funnelwise.formats` (money, percent, days, dates), so it reads as every other figure does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from funnelwise.errors import unknown_name
from funnelwise.formats import missing, words
from funnelwise.metrics.asof import AsOf
from funnelwise.pipeline.config import ReviewConfig
from funnelwise.schema.crm import Crm

Row = dict[str, Any]


@dataclass(frozen=True)
class Context:
    """What every rule sees: the CRM, the review date, the deals open then, the thresholds."""

    crm: Crm
    snap: AsOf
    deals: ir.Table
    config: ReviewConfig


class Skip(Exception):
    """Raised by a rule that cannot run on this data; the message says why."""


@dataclass(frozen=True)
class Rule:
    """A named check: the deals it flags (Ibis) and the sentence that explains each flag."""

    name: str
    summary: str
    disqualifying: bool
    flag: Callable[[Context], ir.Table]
    evidence: Callable[[Row], str]
    label: str = ""

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", words(self.name).capitalize())


RULES: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    RULES[rule.name] = rule
    return rule


def rules() -> tuple[Rule, ...]:
    """Every registered rule, built-ins first, in registration order."""
    _load_builtins()
    return tuple(RULES.values())


def get(name: str) -> Rule:
    """The rule registered as `name`."""
    _load_builtins()
    if name not in RULES:
        raise unknown_name("rule", name, RULES)
    return RULES[name]


def disqualifies(rule: Rule, config: ReviewConfig) -> bool:
    """Whether the rule's flags take a deal out of qualified value under this configuration."""
    if config.disqualifying is None:
        return rule.disqualifying
    _load_builtins()
    for name in config.disqualifying:
        if name not in RULES:
            raise unknown_name("rule in [review] disqualifying", name, RULES)
    return rule.name in config.disqualifying


def label(name: str) -> str:
    """The label of the rule registered as `name` (the name in words for an unknown one)."""
    _load_builtins()
    rule = RULES.get(name)
    return rule.label if rule else words(name).capitalize()


def whole(v: Any) -> int:
    """A count, 0 when missing."""
    return 0 if missing(v) else int(v)


def _load_builtins() -> None:
    from funnelwise.pipeline.rules import (  # noqa: F401
        amount,
        cycle_age,
        outcomes,
        passed,
        pushed,
        quiet,
        stalled,
    )
