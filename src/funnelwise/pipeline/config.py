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

`ReviewConfig` is the section's model (`schema.sections`): its fields are the keys, with their
types, bounds and defaults; the rule names in `disqualifying` are checked against the rule
registry when a rule asks (`pipeline.rules.disqualifies`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field
from pydantic.dataclasses import dataclass

from funnelwise.schema.funnel import Funnel
from funnelwise.schema.sections import SECTION, Names, Number, Whole, override

Quantile = Annotated[Number, Field(gt=0, lt=1)]
NotNegative = Annotated[Number, Field(ge=0)]
Count = Annotated[Whole, Field(ge=0)]


@dataclass(frozen=True, config=SECTION)
class ReviewConfig:
    """Thresholds of the review rules; `disqualifying` None keeps each rule's own default."""

    stage_quantile: Quantile = 0.9
    stall_factor: NotNegative = 1.0
    cycle_quantile: Quantile = 0.9
    no_activity_days: NotNegative = 30.0
    min_pushes: Count = 1
    amount_multiple: NotNegative = 3.0
    amount_min_wins: Count = 5
    outcome_ratio: NotNegative = 0.5
    outcome_min_deals: Count = 10
    disqualifying: Names | None = None

    def with_options(self, **options: Any) -> ReviewConfig:
        """A copy with the given options replaced (None values are ignored)."""
        return override(self, **options)


def review_config(funnel: Funnel) -> ReviewConfig:
    """The defaults, overridden by the funnel TOML's `[review]` table."""
    return funnel.section("review", ReviewConfig)
