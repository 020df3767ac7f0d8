"""From conversations to meetings to qualified opportunities, and each deal's planned fate.

- A conversation in week k leads to a held meeting with probability c2_r * d2_rk, 1-7 days
  later on a weekday; another 5% of conversations book a meeting that is a `no_show`.
- A held meeting in week k leads to a qualified opportunity with probability c3_r * d3_rk,
  created 1-7 days later (weekday). d2, d3 < 1 only after a planted drop.
- A deal is won with probability w_r, independently of everything else. Its planned close is
  created + cycle (lognormal, median M_r); Proposal is entered at 20-35% and Negotiation at
  55-75% of the cycle. A lost deal is lost after the stage it reached last: Qualified (40%),
  Proposal (35%) or Negotiation (25%). Won and lost deals share the cycle distribution, so the
  deals closed by any date are an unbiased sample of fates.
- Expected close date: created + M_r + N(0, (0.15 M_r)^2) days. A deal still open at the data
  end whose expected close date has passed has been re-forecast, as in a maintained CRM: its
  planned close +- a week, and at least 1-14 days after the end (a push, written to
  close_date_history).
Events that would fall after the data end are not recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from funnelwise.simulate.config import (
    DAY,
    NEVER,
    PRODUCT_SHARES,
    WEEK,
    categorical,
    office_time,
    to_weekday,
)
from funnelwise.simulate.opps import NORMAL, Opps
from funnelwise.simulate.outreach import Outreach
from funnelwise.simulate.params import RepParams, draw_amounts, draw_cycles

NO_SHOW_SHARE = 0.05
LOST_AT_SHARES = (0.4, 0.35, 0.25)


@dataclass(frozen=True)
class Meetings:
    """Discovery meetings booked from conversations."""

    rep: np.ndarray
    lead: np.ndarray
    t: np.ndarray
    held: np.ndarray


def _later(rng: np.random.Generator, t: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """A weekday office-hours time lo..hi days (inclusive) after each time."""
    days = to_weekday(t // DAY + rng.integers(lo, hi + 1, size=t.shape[0]))
    return office_time(rng, days)


def make_meetings(rng: np.random.Generator, outreach: Outreach, params: RepParams,
                  step_factor: np.ndarray, end_s: int) -> Meetings:
    """Meetings from conversations: held with probability c2 (x drop), no-show 5%."""
    talk = np.flatnonzero(outreach.conversation)
    rep, week = outreach.rep[talk], outreach.week[talk]
    p = params.c2[rep] * step_factor[rep, week, 1]
    u = rng.random(talk.shape[0])
    booked = u < p + NO_SHOW_SHARE
    t = _later(rng, outreach.t[talk][booked], 1, 7)
    keep = t < end_s
    return Meetings(rep=rep[booked][keep], lead=outreach.lead[talk][booked][keep], t=t[keep],
                    held=(u < p)[booked][keep])


def _stage_times(rng: np.random.Generator, created: np.ndarray,
                 cycle: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Planned entry of Proposal and Negotiation and the close, on strictly later days."""
    n = created.shape[0]
    d0 = created // DAY
    d1 = d0 + np.maximum(1, np.rint(rng.uniform(0.2, 0.35, n) * cycle)).astype(np.int64)
    d2 = np.maximum(d1 + 1, d0 + np.rint(rng.uniform(0.55, 0.75, n) * cycle).astype(np.int64))
    dc = np.maximum(d2 + 1, d0 + np.rint(cycle).astype(np.int64))
    return office_time(rng, d1), office_time(rng, d2), office_time(rng, dc)


def make_opportunities(rng: np.random.Generator, meetings: Meetings, params: RepParams,
                       step_factor: np.ndarray, start_s: int, end_s: int) -> Opps:
    """Qualified opportunities from held meetings, each with its planned timeline and fate."""
    held = np.flatnonzero(meetings.held)
    rep = meetings.rep[held]
    week = np.minimum((meetings.t[held] - start_s) // WEEK, step_factor.shape[1] - 1)
    qualifies = rng.random(held.shape[0]) < params.c3[rep] * step_factor[rep, week, 2]
    origin = meetings.t[held][qualifies]
    created = _later(rng, origin, 1, 7)
    keep = created < end_s
    rep, origin, created = rep[qualifies][keep], origin[keep], created[keep]
    lead = meetings.lead[held][qualifies][keep]
    return _reforecast(rng, plan_deals(rng, rep, lead, origin, created, params), end_s)


def _reforecast(rng: np.random.Generator, opps: Opps, end_s: int) -> Opps:
    """Move passed expected close dates of deals open at the end to the current forecast."""
    end_day = end_s // DAY
    slipped = (opps.close_t >= end_s) & (opps.expected_close < end_day)
    forecast = np.maximum(opps.close_t // DAY + rng.integers(-7, 8, size=opps.count),
                          end_day + rng.integers(1, 15, size=opps.count))
    return replace(opps, expected_close=np.where(slipped, forecast, opps.expected_close))


def plan_deals(rng: np.random.Generator, rep: np.ndarray, lead: np.ndarray,
               origin: np.ndarray, created: np.ndarray, params: RepParams) -> Opps:
    """Fate, amount, product and stage timeline of ordinary deals created at the given times."""
    n = rep.shape[0]
    won = rng.random(n) < params.win[rep]
    median = params.cycle_median[rep]
    cycle = draw_cycles(rng, median)
    t1, t2, tc = _stage_times(rng, created, cycle)
    lost_at = rng.choice(3, size=n, p=LOST_AT_SHARES)
    stage_t = np.stack([created, np.where(won | (lost_at >= 1), t1, NEVER),
                        np.where(won | (lost_at == 2), t2, NEVER)], axis=1)
    expected = created // DAY + np.rint(median + 0.15 * median * rng.standard_normal(n))
    expected = np.maximum(expected.astype(np.int64), created // DAY + 7)
    p_decision = np.where(won, 0.8, np.where(lost_at >= 1, 0.35, 0.0))
    return Opps(
        rep=rep.astype(np.int32), lead=lead.astype(np.int64), origin_t=origin,
        stage_t=stage_t, close_t=tc, won=won, horizon=tc - created,
        active_until=tc, amount=draw_amounts(rng, params.deal_size[rep]),
        product=categorical(rng, PRODUCT_SHARES, n),
        expected_close=expected, first_close=expected,
        p_goals=np.full(n, 0.85), p_sponsor=np.where(won, 0.9, 0.5), p_decision=p_decision,
        kind=np.full(n, NORMAL, dtype=np.int8),
    )
