"""Review thresholds: defaults, the funnel TOML's `[review]` table, then command-line options.

```toml
[review]
stage_quantile = 0.9        # stalled: days in stage above this percentile of won deals'...
stall_factor = 1.0          # ...times this factor
cycle_quantile = 0.9        # old: age above this percentile of won deals' cycle
no_activity_days = 30       # no customer activity (activity or outcome) for more days
min_pushes = 1              # close date pushed at least this many times
amount_multiple = 3.0       # amount above this multiple of the rep's average won deal
amount_min_wins = 5         # ...when the rep has this many wins, else the team's average
outcome_ratio = 0.5         # a missing outcome disqualifies unless deals without it won at
outcome_min_deals = 10      # least this share of the rate of deals with it (over this many)
disqualifying = ["no_customer_activity", "missing_outcomes", "amount_above_history"]
```
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from typing import Any

from funnelwise.errors import UserError, unknown_name
from funnelwise.schema.funnel import Funnel


@dataclass(frozen=True)
class ReviewConfig:
    """Thresholds of the review rules; `disqualifying` None keeps each rule's own default."""

    stage_quantile: float = 0.9
    stall_factor: float = 1.0
    cycle_quantile: float = 0.9
    no_activity_days: float = 30.0
    min_pushes: int = 1
    amount_multiple: float = 3.0
    amount_min_wins: int = 5
    outcome_ratio: float = 0.5
    outcome_min_deals: int = 10
    disqualifying: tuple[str, ...] | None = None

    def with_options(self, **options: Any) -> ReviewConfig:
        """A copy with the given options replaced (None values are ignored)."""
        given = {k: v for k, v in options.items() if v is not None}
        return _checked(dataclasses.replace(self, **given), "command-line options")


NUMBERS = tuple(f.name for f in dataclasses.fields(ReviewConfig) if f.name != "disqualifying")
QUANTILES = ("stage_quantile", "cycle_quantile")


def _checked(config: ReviewConfig, where: str) -> ReviewConfig:
    for name in QUANTILES:
        if not 0 < getattr(config, name) < 1:
            raise UserError(f"{where}: {name} must be between 0 and 1, "
                            f"got {getattr(config, name)}")
    for name in NUMBERS:
        if getattr(config, name) < 0:
            raise UserError(f"{where}: {name} must not be negative, got {getattr(config, name)}")
    return config


def _value(name: str, value: Any, where: str) -> Any:
    if name == "disqualifying":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UserError(f"{where} [review]: disqualifying must be a list of rule names")
        return tuple(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"{where} [review]: {name} must be a number, got {value!r}")
    kind = type(getattr(ReviewConfig(), name))
    return kind(value)


def review_config(funnel: Funnel) -> ReviewConfig:
    """The defaults, overridden by the funnel TOML's `[review]` table."""
    where = f"funnel {funnel.name!r}"
    table = tomllib.loads(funnel.source).get("review", {}) if funnel.source else {}
    if not isinstance(table, dict):
        raise UserError(f"{where}: [review] must be a table of settings")
    known = [f.name for f in dataclasses.fields(ReviewConfig)]
    for name in table:
        if name not in known:
            raise unknown_name(f"setting in {where} [review]", name, known)
    values = {name: _value(name, value, where) for name, value in table.items()}
    return _checked(ReviewConfig(**values), where)
