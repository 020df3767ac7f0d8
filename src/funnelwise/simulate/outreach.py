"""Outreach: calls, emails and LinkedIn messages per rep-week, their outputs, and the leads.

For rep r in week k the number of outreach touches is Poisson(V_r * g_rk), g_rk < 1 only in a
planted goal-miss week. Each touch happens on a weekday in office hours, its channel is drawn
from the rep's mix, and it becomes a conversation (call connected, email or LinkedIn replied)
with probability yield_{r,channel} * d_rk, d_rk < 1 only after a planted outreach drop.
Touches without a conversation are `no_answer` (calls), `opened` (45% of unanswered emails)
or `no_response`.

Leads: each touch opens a new lead with probability 1/5, so a lead receives about five touches;
a touch goes to a lead the rep opened within the previous ~two weeks of its volume, so every
lead is worked over a multi-channel sequence after it was created. A lead's source is drawn
with shares inbound 22%, outbound 50%, referral 12%, event 10%, partner 6%, and its account
uniformly among the accounts of its rep's region.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from funnelwise.simulate.config import (
    CALL,
    CONNECTED,
    DAY,
    EMAIL,
    NO_ANSWER,
    NO_RESPONSE,
    OPENED,
    REPLIED,
    SOURCE_SHARES,
    WEEK,
    categorical,
)
from funnelwise.simulate.people import Accounts, pick_accounts
from funnelwise.simulate.plan import Plan

NEW_LEAD_SHARE = 0.2
LEAD_SPAN_WEEKS = 2.0
OPENED_SHARE = 0.45


@dataclass(frozen=True)
class Outreach:
    """One entry per outreach touch, ordered by rep then time."""

    rep: np.ndarray
    week: np.ndarray
    t: np.ndarray
    type: np.ndarray
    output: np.ndarray
    lead: np.ndarray

    @property
    def conversation(self) -> np.ndarray:
        return np.asarray((self.output == CONNECTED) | (self.output == REPLIED))


@dataclass(frozen=True)
class Leads:
    """One entry per lead: owner rep, creation time, source code and account index."""

    rep: np.ndarray
    t: np.ndarray
    source: np.ndarray
    account: np.ndarray

    @property
    def count(self) -> int:
        return int(self.rep.shape[0])

    @staticmethod
    def concat(parts: list[Leads]) -> Leads:
        return Leads(*(np.concatenate([getattr(p, f) for p in parts])
                       for f in ("rep", "t", "source", "account")))


def _touch_times(rng: np.random.Generator, counts: np.ndarray,
                 start_s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rep, week and time of every touch, sorted by rep then time (weekdays, 08:00-18:00)."""
    reps, weeks = counts.shape
    block = np.repeat(np.arange(reps * weeks, dtype=np.int64), counts.ravel())
    key = block * WEEK
    del block
    key += rng.integers(0, 5, size=key.shape[0]) * DAY
    key += rng.integers(8 * 3600, 18 * 3600, size=key.shape[0])
    key.sort()
    block = key // WEEK
    rep = (block // weeks).astype(np.int32)
    week = (block % weeks).astype(np.int32)
    del block
    t = key - (rep.astype(np.int64) * weeks) * WEEK + start_s
    return rep, week, t


def _channels(rng: np.random.Generator, mix: np.ndarray, rep: np.ndarray) -> np.ndarray:
    """Channel code (call, email, linkedin) of each touch, from its rep's mix."""
    cum = np.cumsum(mix, axis=1)
    u = rng.random(rep.shape[0], dtype=np.float32)
    kind = (u > cum[rep, 0].astype(np.float32)).astype(np.int8)
    kind += u > cum[rep, 1].astype(np.float32)
    return kind


def _outputs(rng: np.random.Generator, kind: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Output code of each touch given its channel and conversation probability."""
    u = rng.random(kind.shape[0], dtype=np.float32)
    talk = u < p
    out = np.full(kind.shape[0], NO_RESPONSE, dtype=np.int8)
    out[(kind == CALL) & talk] = CONNECTED
    out[(kind == CALL) & ~talk] = NO_ANSWER
    out[(kind != CALL) & talk] = REPLIED
    opened = (kind == EMAIL) & ~talk & (rng.random(kind.shape[0], dtype=np.float32)
                                        < OPENED_SHARE)
    out[opened] = OPENED
    return out


def _lead_of_touch(rng: np.random.Generator, rep: np.ndarray, per_rep: np.ndarray,
                   span: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lead index of every touch, and the touch positions at which leads were opened.

    `per_rep[r]` is how many touches rep r made; `span[r]` how many of its touches back a
    touch may reach for its lead.
    """
    n = rep.shape[0]
    rep_first = np.cumsum(per_rep) - per_rep
    opens = np.asarray(rng.random(n, dtype=np.float32) < NEW_LEAD_SHARE)
    opens[rep_first[per_rep > 0]] = True
    lead_at = np.cumsum(opens, dtype=np.int64) - 1
    pos = np.arange(n, dtype=np.int64)
    pos -= (rng.random(n, dtype=np.float32) * span.astype(np.float32)[rep]).astype(np.int64)
    np.maximum(pos, rep_first[rep], out=pos)
    return lead_at[pos], np.flatnonzero(opens)


def make_outreach(rng: np.random.Generator, lead_rng: np.random.Generator,
                  volume: np.ndarray, mix: np.ndarray, type_yield: np.ndarray, plan: Plan,
                  start_s: int) -> tuple[Outreach, np.ndarray]:
    """Every outreach touch of every rep with its output and lead; and the lead openings."""
    counts = rng.poisson(volume[:, None] * plan.volume_factor)
    rep, week, t = _touch_times(rng, counts, start_s)
    kind = _channels(rng, mix, rep)
    factor = plan.step_factor()[:, :, 0].astype(np.float32)
    p = type_yield.astype(np.float32)[rep, kind] * factor[rep, week]
    output = _outputs(rng, kind, p)
    del p
    lead, openings = _lead_of_touch(lead_rng, rep, counts.sum(axis=1), LEAD_SPAN_WEEKS * volume)
    return Outreach(rep=rep, week=week, t=t, type=kind, output=output, lead=lead), openings


def make_leads(rng: np.random.Generator, outreach: Outreach, openings: np.ndarray,
               accounts: Accounts, region_of_rep: np.ndarray, start_s: int) -> Leads:
    """Leads created up to three days before their opening touch (not before the start)."""
    t = before(rng, outreach.t[openings], 3 * DAY, start_s)
    return new_leads(rng, outreach.rep[openings], t, accounts, region_of_rep)


def before(rng: np.random.Generator, t: np.ndarray, most: int, start_s: int) -> np.ndarray:
    """A uniform time up to `most` seconds before each time, not before `start_s` (if t is)."""
    room = np.clip(t - start_s, 0, most)
    return t - (rng.random(t.shape[0]) * room).astype(np.int64)


def new_leads(rng: np.random.Generator, rep: np.ndarray, t: np.ndarray, accounts: Accounts,
              region_of_rep: np.ndarray) -> Leads:
    """Leads of the given reps created at the given times, with a source and an account."""
    n = rep.shape[0]
    return Leads(rep=rep.astype(np.int32), t=t,
                 source=categorical(rng, SOURCE_SHARES, n),
                 account=pick_accounts(rng, accounts, region_of_rep[rep]))
