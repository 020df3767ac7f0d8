"""Customer activities and outcomes along each opportunity.

Activities on a deal (rows carrying its opportunity_id): a `demo` (held) 2-8 days after it
is created, a `proposal` (delivered) when it enters Proposal and a revised one when it enters
Negotiation, and a follow-up `demo` every 14-28 days while the deal is worked (until it closes,
or for planted stale deals until the rep stopped working it). No `meeting` rows are put on
deals, so the funnel's meeting step counts discovery meetings only.

Outcomes: `opportunity_qualified` at creation; `goals_agreed` (85% of ordinary deals) at the
discovery meeting, within its hour; `sponsor_engaged` at 15-50% and `decision_plan` at 55-90%
of the planned life, on a weekday in office hours, with chances that depend on the deal's fate
(sponsors 0.9 for deals to be won vs 0.5; decision plans 0.8 vs 0.35 for lost deals past
Qualified and none for deals lost in Qualified).
"""

from __future__ import annotations

import numpy as np

from funnelwise.simulate.config import (
    DAY,
    DECISION_KIND,
    DELIVERED,
    DEMO,
    GOALS_KIND,
    HELD,
    NEVER,
    PROPOSAL,
    QUALIFIED_KIND,
    SPONSOR_KIND,
    office_time,
    to_weekday,
)
from funnelwise.simulate.opps import Opps

Rows = dict[str, np.ndarray]


def activity_rows(opps: Opps, index: np.ndarray, t: np.ndarray, kind: int,
                  output: int) -> Rows:
    """Activity rows of the given deals (by index) at the given times."""
    n = index.shape[0]
    return {"rep": opps.rep[index], "type": np.full(n, kind, dtype=np.int8),
            "output": np.full(n, output, dtype=np.int8), "t": t,
            "lead": opps.lead[index], "opp": index.astype(np.int64)}


def concat_rows(parts: list[Rows]) -> Rows:
    """Row groups with the same columns, concatenated."""
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _follow_ups(rng: np.random.Generator, opps: Opps, stop: np.ndarray) -> Rows:
    """A demo every 14-28 days from creation until `stop`."""
    created = opps.created
    gap = rng.uniform(14.0, 28.0, opps.count)
    life = np.maximum(stop - created, 0) / DAY
    k = np.floor(life / gap).astype(np.int64)
    index = np.repeat(np.arange(opps.count), k)
    j = np.arange(index.shape[0]) - np.repeat(np.cumsum(k) - k, k) + 1
    days = to_weekday(created[index] // DAY + np.rint(j * gap[index]).astype(np.int64))
    t = office_time(rng, days)
    keep = t < stop[index]
    return activity_rows(opps, index[keep], t[keep], DEMO, HELD)


def deal_activities(rng: np.random.Generator, opps: Opps, end_s: int) -> Rows:
    """Every customer activity on the given deals, up to the data end."""
    all_ = np.arange(opps.count)
    stop = np.minimum(opps.active_until, end_s)
    days = to_weekday(opps.created // DAY + rng.integers(2, 9, size=opps.count))
    demo = office_time(rng, days)
    first = demo < stop
    parts = [activity_rows(opps, all_[first], demo[first], DEMO, HELD)]
    for stage in (1, 2):
        entered = opps.stage_t[:, stage]
        seen = (entered != NEVER) & (entered < end_s)
        t = entered[seen] - rng.integers(0, 2 * 3600, size=int(seen.sum()))
        parts.append(activity_rows(opps, all_[seen], t, PROPOSAL, DELIVERED))
    parts.append(_follow_ups(rng, opps, stop))
    return concat_rows(parts)


def _outcome_rows(opps: Opps, index: np.ndarray, t: np.ndarray, kind: int) -> Rows:
    n = index.shape[0]
    return {"kind": np.full(n, kind, dtype=np.int8), "t": t, "rep": opps.rep[index],
            "lead": opps.lead[index], "opp": index.astype(np.int64)}


def _along(rng: np.random.Generator, opps: Opps, lo: float, hi: float) -> np.ndarray:
    """Office hours on the weekday at a uniform lo..hi fraction of each deal's planned life."""
    frac = rng.uniform(lo, hi, opps.count)
    days = (opps.created + (frac * opps.horizon).astype(np.int64)) // DAY
    return office_time(rng, to_weekday(days))


def deal_outcomes(rng: np.random.Generator, opps: Opps, end_s: int) -> Rows:
    """Outcomes on the given deals that happened before they closed and before the data end."""
    n = opps.count
    all_ = np.arange(n)
    created = opps.created
    limit = np.minimum(opps.close_t, end_s)
    goals_t = np.minimum(opps.origin_t + rng.integers(0, 3600, size=n), created)
    draws = [
        (GOALS_KIND, opps.p_goals, goals_t),
        (SPONSOR_KIND, opps.p_sponsor, _along(rng, opps, 0.15, 0.5)),
        (DECISION_KIND, opps.p_decision, _along(rng, opps, 0.55, 0.9)),
    ]
    parts = [_outcome_rows(opps, all_[created < end_s], created[created < end_s],
                           QUALIFIED_KIND)]
    for kind, p, t in draws:
        hit = (rng.random(n) < p) & (t < limit)
        parts.append(_outcome_rows(opps, all_[hit], t[hit], kind))
    return concat_rows(parts)
