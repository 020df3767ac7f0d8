"""Planted pipeline problems: stale and inflated open deals, kept besides the ordinary ones.

- Hoarders hold 3-6 STALE deals and 1-3 INFLATED deals; 15% of the other reps hold 1 stale deal.
- A stale deal was created 2.5-4 x the rep's median cycle M before the end (at most the whole
  history, and at least 100 days), is stuck in Qualified, Proposal or Negotiation (entered at
  the usual fraction of M, at least 70 days before the end, so it has sat there for far over
  3x the usual time in stage), had its last customer activity 61-180 days before the end, and
  its expected close date is either in the past or pushed 1-8 weeks past the end (from its
  first forecast, created + about M: the push is written to close_date_history).
- An inflated deal is recent (10 days to 0.8 M old) and actively worked, but its amount is
  4.2-10 x the rep's mean deal size and it has no `sponsor_engaged` or `decision_plan` outcome.
Each planted deal gets its own lead, created up to 4 weeks before the deal (not before the data
start unless the deal itself is older: with short histories some stale deals predate it).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from funnelwise.simulate.config import (
    DAY,
    NEVER,
    PRODUCT_SHARES,
    categorical,
    office_time,
    to_weekday,
)
from funnelwise.simulate.opps import INFLATED, STALE, Opps
from funnelwise.simulate.outreach import before
from funnelwise.simulate.params import RepParams, draw_amounts
from funnelwise.simulate.plan import Plan

STALE_STAGE_SHARES = (0.35, 0.45, 0.2)
STALE_QUIET_DAYS = 70


def _on_day(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    return office_time(rng, to_weekday(days.astype(np.int64)))


def _common(rng: np.random.Generator, rep: np.ndarray, created: np.ndarray,
            kind: int) -> dict[str, np.ndarray]:
    n = rep.shape[0]
    origin = created - rng.integers(1, 8, size=n) * DAY
    return {"rep": rep.astype(np.int32), "lead": np.zeros(n, dtype=np.int64),
            "origin_t": origin, "close_t": np.full(n, NEVER, dtype=np.int64),
            "won": np.zeros(n, dtype=bool),
            "product": categorical(rng, PRODUCT_SHARES, n),
            "kind": np.full(n, kind, dtype=np.int8)}


def _stale(rng: np.random.Generator, params: RepParams, rep: np.ndarray, end_s: int,
           span_days: int) -> Opps:
    n = rep.shape[0]
    median = params.cycle_median[rep]
    end_day = end_s // DAY
    age = np.minimum(rng.uniform(2.5, 4.0, n) * median, max(span_days - 7, 100))
    created = _on_day(rng, end_day - np.rint(age))
    stuck = rng.choice(3, size=n, p=STALE_STAGE_SHARES)
    quiet = end_s - STALE_QUIET_DAYS * DAY
    t1 = _on_day(rng, created // DAY + np.rint(rng.uniform(0.2, 0.35, n) * median))
    t2 = _on_day(rng, created // DAY + np.rint(rng.uniform(0.55, 0.75, n) * median))
    t1 = np.where((stuck >= 1) & (t1 <= quiet), t1, NEVER)
    t2 = np.where((stuck == 2) & (t1 != NEVER) & (t2 <= quiet) & (t2 > t1), t2, NEVER)
    last_stage = np.where(t2 != NEVER, t2, np.where(t1 != NEVER, t1, created))
    last = end_s - np.asarray(rng.uniform(75.0, 180.0, n) * DAY, dtype=np.int64)
    active_until = np.clip(last, last_stage + DAY, end_s - 61 * DAY)
    usual = created // DAY + np.rint(median * (1 + 0.15 * rng.standard_normal(n)))
    past = np.minimum(usual, end_day - rng.integers(1, 31, size=n))
    pushed = end_day + rng.integers(7, 57, size=n)
    expected = np.where(rng.random(n) < 0.5, pushed, past).astype(np.int64)
    return Opps(stage_t=np.stack([created, t1, t2], axis=1), horizon=(median * DAY).astype(
        np.int64), active_until=active_until, amount=draw_amounts(rng, params.deal_size[rep]),
        expected_close=expected, first_close=np.minimum(usual, expected).astype(np.int64),
        p_goals=np.full(n, 0.6), p_sponsor=np.full(n, 0.25),
        p_decision=np.where(t1 != NEVER, 0.1, 0.0), **_common(rng, rep, created, STALE))


def _inflated(rng: np.random.Generator, params: RepParams, rep: np.ndarray,
              end_s: int) -> Opps:
    n = rep.shape[0]
    median = params.cycle_median[rep]
    end_day = end_s // DAY
    age = rng.uniform(10.0, np.maximum(0.8 * median, 15.0))
    created = _on_day(rng, end_day - np.rint(age))
    t1 = _on_day(rng, created // DAY + np.rint(rng.uniform(0.2, 0.35, n) * median))
    t1 = np.where(t1 < end_s, t1, NEVER)
    amount = np.round(params.deal_size[rep] * rng.uniform(4.2, 10.0, n), -2)
    expected = created // DAY + np.rint(median * rng.uniform(0.8, 1.2, n))
    return Opps(stage_t=np.stack([created, t1, np.full(n, NEVER)], axis=1),
                horizon=(median * DAY).astype(np.int64), active_until=np.full(n, end_s),
                amount=amount, expected_close=expected.astype(np.int64),
                first_close=expected.astype(np.int64),
                p_goals=np.full(n, 0.5), p_sponsor=np.zeros(n), p_decision=np.zeros(n),
                **_common(rng, rep, created, INFLATED))


def planted_counts(rng: np.random.Generator, plan: Plan) -> tuple[np.ndarray, np.ndarray]:
    """Stale and inflated deals per rep: 3-6 and 1-3 for hoarders, 1 stale for 15% of others."""
    reps = plan.hoarder.shape[0]
    others = np.asarray(rng.random(reps) < 0.15, dtype=np.int64)
    stale = np.where(plan.hoarder, rng.integers(3, 7, size=reps), others)
    inflated = np.where(plan.hoarder, rng.integers(1, 4, size=reps), 0)
    return stale, inflated


def planted_deals(rng: np.random.Generator, params: RepParams, plan: Plan,
                  window: tuple[int, int], first_lead: int) -> tuple[Opps, np.ndarray, np.ndarray]:
    """Planted deals (leads numbered from `first_lead`), and their leads' reps and times."""
    start_s, end_s = window
    span_days = (end_s - start_s) // DAY
    stale_n, inflated_n = planted_counts(rng, plan)
    reps = np.arange(plan.hoarder.shape[0])
    opps = Opps.concat([_stale(rng, params, np.repeat(reps, stale_n), end_s, span_days),
                        _inflated(rng, params, np.repeat(reps, inflated_n), end_s)])
    early = opps.created < start_s
    lead_t = np.where(early, opps.origin_t - 28 * DAY,
                      before(rng, opps.origin_t, 28 * DAY, start_s))
    opps = replace(opps, lead=first_lead + np.arange(opps.count, dtype=np.int64))
    return opps, opps.rep, lead_t

