"""Landmarks: the pipeline as the review saw it on past days, what win probabilities learn from.

A landmark is a past day d. Its rows are the deals open at the start of d (`snapshot`), each
with its stage, age and days in stage then, and the flags every registered review rule raised
on it then (each rule run as of d, its thresholds learnt from deals closed before d). A deal
open on several landmarks gives a row on each: it is the pipeline that is sampled, as a review
samples it, so a slow deal weighs more than a fast one exactly as it does in a pipeline.

Which days, for a model fitted as of D:

- from the first close in the data on: before it, the export holds only deals that lived on
  until it (those that closed earlier are missing), so an earlier pipeline is not the real one;
- at most `LOOKBACK_DAYS` (182) before D, and at most `COUNT` (8) of them;
- on a grid of whole weeks counted from a fixed Monday, every 7, 14 or 28 days, the shortest
  step that stays within `COUNT`: a short history gets weekly landmarks, a long one four-weekly.
  The grid is fixed, so fits on nearby days (the calibration's) share their landmarks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from funnelwise.metrics.asof import AsOf
from funnelwise.pipeline.config import ReviewConfig
from funnelwise.pipeline.flags import run_rules
from funnelwise.pipeline.rules import Context
from funnelwise.pipeline.snapshot import in_memory, open_deals
from funnelwise.schema.crm import Crm

EPOCH = dt.date(2000, 1, 3)
STEPS = (7, 14, 28)
COUNT = 8
LOOKBACK_DAYS = 182


@dataclass(frozen=True)
class Pipeline:
    """The deals open at the start of `day` (`snapshot.open_deals` columns) and the flags the
    review rules raised on them then (`flags.run_rules` rows: opportunity_id, rule, ...)."""

    day: dt.date
    deals: pd.DataFrame
    flags: pd.DataFrame


def landmark_days(day: dt.date, since: dt.date | None, *, count: int = COUNT,
                  lookback: int = LOOKBACK_DAYS) -> tuple[dt.date, ...]:
    """Grid days in [max(since, day - lookback), day), at the shortest step giving at most
    `count` (the latest `count` at the longest step); none without a `since`."""
    if since is None:
        return ()
    start = max(since, day - dt.timedelta(days=lookback))
    first = (start - EPOCH).days
    days: list[dt.date] = []
    for step in STEPS:
        offset = -(-first // step) * step
        days = [EPOCH + dt.timedelta(days=n) for n in range(offset, (day - EPOCH).days, step)]
        if len(days) <= count:
            return tuple(days)
    return tuple(days[-count:])


def pipeline_on(crm: Crm, at: AsOf, config: ReviewConfig) -> Pipeline:
    """The open deals at `at` and every rule's flags on them, as the review computes them."""
    expr = open_deals(crm, at)
    deals = expr.to_pandas()
    deals["opportunity_id"] = deals["opportunity_id"].astype(str)
    flags = run_rules(Context(crm=crm, snap=at, deals=in_memory(deals, expr.schema()),
                              config=config))
    return Pipeline(day=at.day, deals=deals, flags=flags.frame)


def pipelines(crm: Crm, days: Iterable[dt.date], *, today: dt.date,
              config: ReviewConfig) -> dict[dt.date, Pipeline]:
    """`pipeline_on` every distinct day, each as of the start of that day."""
    return {d: pipeline_on(crm, AsOf(day=d, today=today), config) for d in sorted(set(days))}
