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
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from typing import Any

from funnelwise.errors import UserError, unknown_name
from funnelwise.schema.funnel import Funnel


@dataclass(frozen=True)
class CoachConfig:
    """Thresholds of the coaching rules (see the module docstring for each one's meaning)."""

    recent_weeks: int = 8
    missed_weeks: int = 5
    goal_tolerance: float = 0.1
    baseline_weeks: int = 26
    require_change: bool = True
    change_tolerance: float = 0.2
    min_drop: float = 0.1
    confidence: float = 0.97
    pipeline_shortfall: float = 0.2
    horizon_weeks: float = 13.0
    top: int = 5

    def with_options(self, **options: Any) -> CoachConfig:
        """A copy with the given options replaced (None values are ignored)."""
        given = {k: v for k, v in options.items() if v is not None}
        return checked(dataclasses.replace(self, **given), "command-line options")


@dataclass(frozen=True)
class Targets:
    """Configured weekly goals at the funnel's first step: one for everyone, or per rep."""

    per_week: float | None = None
    reps: tuple[tuple[str, float], ...] = ()

    def for_rep(self, rep: str) -> float | None:
        return dict(self.reps).get(rep, self.per_week)


SHARES = ("goal_tolerance", "change_tolerance", "min_drop", "pipeline_shortfall")


def checked(config: CoachConfig, where: str) -> CoachConfig:
    """`config` if its values make sense, else a user error naming the setting."""
    for name in SHARES:
        if not 0 <= getattr(config, name) < 1:
            raise UserError(f"{where}: {name} must be in [0, 1), got {getattr(config, name)}")
    if not 0.5 <= config.confidence < 1:
        raise UserError(f"{where}: confidence must be in [0.5, 1), got {config.confidence}")
    if not 1 <= config.missed_weeks <= config.recent_weeks:
        raise UserError(f"{where}: missed_weeks must be between 1 and recent_weeks "
                        f"({config.recent_weeks}), got {config.missed_weeks}")
    for name in ("recent_weeks", "baseline_weeks", "horizon_weeks", "top"):
        if getattr(config, name) <= 0:
            raise UserError(f"{where}: {name} must be positive, got {getattr(config, name)}")
    return config


def _value(name: str, value: Any, where: str) -> Any:
    kind = type(getattr(CoachConfig(), name))
    if kind is bool:
        if not isinstance(value, bool):
            raise UserError(f"{where} [coach]: {name} must be true or false, got {value!r}")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"{where} [coach]: {name} must be a number, got {value!r}")
    return kind(value)


def _table(funnel: Funnel, name: str) -> dict[str, Any]:
    table = tomllib.loads(funnel.source).get(name, {}) if funnel.source else {}
    if not isinstance(table, dict):
        raise UserError(f"funnel {funnel.name!r}: [{name}] must be a table of settings")
    return table


def coach_config(funnel: Funnel) -> CoachConfig:
    """The defaults, overridden by the funnel TOML's `[coach]` table."""
    where = f"funnel {funnel.name!r}"
    table = _table(funnel, "coach")
    known = [f.name for f in dataclasses.fields(CoachConfig)]
    for name in table:
        if name not in known:
            raise unknown_name(f"setting in {where} [coach]", name, known)
    return checked(CoachConfig(**{n: _value(n, v, where) for n, v in table.items()}), where)


def _goal(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise UserError(f"{where}: a weekly goal must be a positive number, got {value!r}")
    return float(value)


def targets_config(funnel: Funnel, per_week: float | None = None) -> Targets:
    """`[targets]` of the funnel TOML; `per_week` (the `--target` option) replaces its default."""
    where = f"funnel {funnel.name!r} [targets]"
    table = _table(funnel, "targets")
    for name in table:
        if name not in ("per_week", "reps"):
            raise unknown_name(f"setting in {where}", name, ("per_week", "reps"))
    reps = table.get("reps", {})
    if not isinstance(reps, dict):
        raise UserError(f"{where}: reps must be a table of rep id = weekly goal")
    default = table.get("per_week")
    return Targets(
        per_week=per_week if per_week is not None else (
            _goal(default, where) if default is not None else None),
        reps=tuple((str(r), _goal(v, f"{where} reps.{r}")) for r, v in reps.items()),
    )
