"""What every coaching rule sees: the coached week, the weekly counts, the plans, the reps.

The coached week is named by its Monday. By default it is the last week with data through its
Friday: the Monday of (the data's last day - 4 days, `metrics.span`), so a brief run on Monday
morning covers last week, and one run mid-week does not judge a half week. A week outside the
data is a user error naming its span. When the data runs past the coached week, the CRM is
rewound to the Monday after it (`metrics.asof`), so a past week is coached with what was known
then.

Each step's rate into the next (`rates`, `coach.weekly.step_rate`) is its weekly counts where
they are nested, else the same leads where the records carry them; a note names the steps
whose weekly counts are not nested, with the counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from funnelwise.coach.config import CoachConfig, Targets
from funnelwise.coach.plans import Plans, load_plans
from funnelwise.coach.weekly import (
    StepRate,
    counted_rate,
    mondays,
    rate_notes,
    step_rates,
    weekly_counts,
    weekly_frame,
)
from funnelwise.errors import UserError
from funnelwise.metrics.asof import crm_as_of
from funnelwise.metrics.span import data_span
from funnelwise.periods import containing, monday
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Step


@dataclass(frozen=True)
class CoachContext:
    """The inputs of every rule, computed once per run."""

    crm: Crm
    week: dt.date
    config: CoachConfig
    targets: Targets
    weekly: pd.DataFrame
    plans: Plans
    reps: pd.DataFrame
    latest: dt.date
    notes: tuple[str, ...] = field(default=())
    rates: Mapping[str, StepRate] = field(default_factory=dict)

    @property
    def steps(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.crm.funnel.steps)

    @property
    def recent(self) -> list[dt.date]:
        """The Mondays of the recent window, oldest first, the coached week last."""
        return mondays(self.week - dt.timedelta(weeks=self.config.recent_weeks - 1), self.week)

    def counts(self, step: str) -> pd.DataFrame:
        """Rep x week counts at `step` (every week up to the coached one)."""
        return self.weekly[step].unstack("week")

    def rate(self, step: Step, nxt: Step) -> StepRate:
        """The rate from `step` into `nxt` (`rates`; weekly counts when not computed)."""
        if step.name in self.rates:
            return self.rates[step.name]
        return counted_rate(self.weekly, step, nxt, recent=self.config.recent_weeks)

    def name(self, rep: str) -> str:
        row = self.reps[self.reps["rep_id"] == rep]
        return str(row["name"].iloc[0]) if len(row) and pd.notna(row["name"].iloc[0]) else rep


def latest_day(crm: Crm) -> dt.date:
    """The data's last day (`metrics.span`); a user error when there are no activities to
    coach on."""
    if not crm.activities.count().execute():
        raise UserError("the workspace has no activities to coach on; import activities.csv")
    return data_span(crm).last


def default_week(latest: dt.date) -> dt.date:
    """The last week with data through its Friday."""
    return monday(latest - dt.timedelta(days=4))


def build_context(crm: Crm, *, week: dt.date | None = None, config: CoachConfig | None = None,
                  targets: Targets | None = None) -> CoachContext:
    """Everything the rules need, for the week containing `week` (default: the last one)."""
    config = config or CoachConfig()
    span = data_span(crm)
    latest = latest_day(crm)
    week = monday(week) if week else default_week(latest)
    span.check(containing(week, "week"), "week")
    after = week + dt.timedelta(weeks=1)
    if latest >= after:
        crm = crm_as_of(crm, after, today=span.today)
    steps = [s.name for s in crm.funnel.steps]
    reps = crm.reps.select("rep_id", "name", "manager", "team").to_pandas()
    long = weekly_counts(crm).to_pandas()
    first = week - dt.timedelta(weeks=config.recent_weeks - 1)
    weekly = weekly_frame(long, sorted(reps["rep_id"].astype(str)), steps, week, first)
    plans = load_plans(crm, week, config.recent_weeks)
    rates = step_rates(crm, weekly, recent=config.recent_weeks,
                       asof=min(after, latest + dt.timedelta(days=1)))
    return CoachContext(crm=crm, week=week, config=config, targets=targets or Targets(),
                        weekly=weekly, plans=plans, reps=reps, latest=latest,
                        notes=plans.notes + rate_notes(rates), rates=rates)
