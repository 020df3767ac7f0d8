"""Coaching thresholds: defaults, the funnel TOML's `[coach]` and `[targets]`, then options.

```toml
[coach]
recent_weeks = 8        # the recent window: the last n weeks, the coached week included
missed_weeks = 5        # activity goal: flagged when missed in at least k of those n weeks
goal_tolerance = 0.1    # a week is missed when the volume is more than 10% under the goal
baseline_weeks = 26     # the rep's usual level: the median of the weeks before the window
require_change = true   # a missed goal also needs the recent level well under the usual one:
change_tolerance = 0.2  # the recent weeks' median more than 20% under the usual level
min_drop = 0.1          # conversion drop: the rate now more than 10% under before...
confidence = 0.97       # ...with at least this posterior probability (drops and pipeline)
pipeline_shortfall = 0.2  # pipeline: created more than 20% under the plan's need so far
horizon_weeks = 13      # money at stake: a weekly loss counted over this many weeks
top = 5                 # flags per manager in the brief

[targets]
per_week = 100          # weekly goal at the funnel's first step, for every rep...
[targets.reps]
R007 = 150              # ...or for one rep
```

`CoachConfig` and `Targets` are the two sections' models (`schema.sections`): their fields
are the keys, with their types, bounds and defaults.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from pydantic.dataclasses import dataclass

from funnelwise.schema.funnel import Funnel
from funnelwise.schema.sections import SECTION, Flag, Number, Whole, override, problem

Share = Annotated[Number, Field(ge=0, lt=1)]
Weeks = Annotated[Whole, Field(gt=0)]
Goal = Annotated[Number, Field(gt=0)]


@dataclass(frozen=True, config=SECTION)
class CoachConfig:
    """Thresholds of the coaching rules (see the module docstring for each one's meaning)."""

    recent_weeks: Weeks = 8
    missed_weeks: Annotated[Whole, Field(ge=1)] = 5
    goal_tolerance: Share = 0.1
    baseline_weeks: Weeks = 26
    require_change: Flag = True
    change_tolerance: Share = 0.2
    min_drop: Share = 0.1
    confidence: Annotated[Number, Field(ge=0.5, lt=1)] = 0.97
    pipeline_shortfall: Share = 0.2
    horizon_weeks: Annotated[Number, Field(gt=0)] = 13.0
    top: Weeks = 5

    @field_validator("missed_weeks")
    @classmethod
    def _within_the_window(cls, missed: int, info: ValidationInfo) -> int:
        recent = info.data.get("recent_weeks")
        if recent is not None and missed > recent:
            raise problem(f"must be between 1 and recent_weeks ({recent}), got {missed}")
        return missed

    def with_options(self, **options: Any) -> CoachConfig:
        """A copy with the given options replaced (None values are ignored)."""
        return override(self, **options)


def _pairs_as_table(value: Any) -> Any:
    return dict(value) if isinstance(value, tuple) else value


@dataclass(frozen=True, config=SECTION)
class Targets:
    """Configured weekly goals at the funnel's first step: one for everyone, or per rep
    (`reps`: rep id -> goal; a tuple of pairs is read as such a table)."""

    per_week: Goal | None = None
    reps: Annotated[dict[str, Goal], BeforeValidator(_pairs_as_table)] = Field(default_factory=dict)

    def for_rep(self, rep: str) -> float | None:
        return self.reps.get(rep, self.per_week)


def coach_config(funnel: Funnel) -> CoachConfig:
    """The defaults, overridden by the funnel TOML's `[coach]` table."""
    return funnel.section("coach", CoachConfig)


def targets_config(funnel: Funnel, per_week: float | None = None) -> Targets:
    """`[targets]` of the funnel TOML; `per_week` (the `--target` option) replaces its default."""
    return override(funnel.section("targets", Targets), per_week=per_week)
