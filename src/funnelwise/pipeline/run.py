"""`funnelwise review` and `funnelwise coverage` from the options a user gives.

The CLI (flags) and the dashboard (query parameters) call these same functions, so a deal's
flags and a rep's coverage read the same wherever they are shown:

- `run_review`: the review as of a date with the funnel's `[review]` thresholds, overridden by
  the user's (`ReviewOptions`), optionally narrowed to one rep;
- `run_coverage`: coverage for a period given as text (`2026-Q3`; default: the review day's
  `periods.default_period`); `has_quota` says whether there is a target to measure against.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from funnelwise.metrics.dimensions import overlaps_days
from funnelwise.metrics.result import MetricResult
from funnelwise.periods import Period, default_period, parse_period
from funnelwise.pipeline.config import ReviewConfig, review_config
from funnelwise.pipeline.coverage import CoverageOptions, coverage
from funnelwise.pipeline.review import Review, check_rep, for_rep, review
from funnelwise.schema.crm import Crm


@dataclass(frozen=True)
class ReviewOptions:
    """Review thresholds the user overrides; None keeps the funnel's (or the default)."""

    no_activity_days: float | None = None
    amount_multiple: float | None = None
    stage_quantile: float | None = None

    def config(self, crm: Crm) -> ReviewConfig:
        """The funnel's review thresholds with these options applied (bad values: user error)."""
        return review_config(crm.funnel).with_options(
            no_activity_days=self.no_activity_days, amount_multiple=self.amount_multiple,
            stage_quantile=self.stage_quantile)


def run_review(crm: Crm, *, as_of: dt.date | None = None, rep: str | None = None,
               options: ReviewOptions | None = None) -> Review:
    """The review as of `as_of` (default: the latest data), only `rep`'s deals when given."""
    if rep:
        check_rep(crm, rep)
    config = (options or ReviewOptions()).config(crm)
    result = review(crm, as_of=as_of, config=config)
    return for_rep(result, rep) if rep else result


def coverage_period(text: str | None, as_of: dt.date) -> Period:
    """The period asked for (`2026-Q3`, `2026-07`, `2026`), else the default one for the review
    day (`periods.default_period`: its quarter if a third of it remains, else the next)."""
    return parse_period(text) if text else default_period(as_of)


def has_quota(crm: Crm, period: Period) -> bool:
    """True when a quota row overlaps `period`: coverage has a target to measure against."""
    q = crm.quotas
    overlapping = q.filter(overlaps_days(q.period_start, q.period_end, period.start, period.end))
    return int(overlapping.count().execute()) > 0


def run_coverage(crm: Crm, *, period: str | Period | None = None, as_of: dt.date | None = None,
                 by: str = "rep", opts: CoverageOptions | None = None,
                 reviewed: Review | None = None) -> MetricResult:
    """Coverage per group for `period` (text or parsed; default: the quarter of the review
    date), reviewed as of `as_of` (default: the latest data), reusing `reviewed` (that date's
    review with the default thresholds) when given."""
    if isinstance(period, str):
        period = parse_period(period) if period else None
    return coverage(crm, period=period, as_of=as_of, by=by, opts=opts, reviewed=reviewed)
