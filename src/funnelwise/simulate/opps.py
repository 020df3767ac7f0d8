"""Opportunities as arrays: their planned stage timeline, and what is visible at the data end.

Each opportunity has planned entry times for Qualified, Proposal and Negotiation (NEVER for a
stage it will not reach) and a planned close time. At the end of the data a deal is closed if
its close time is before the end (status won or lost, stage Closed Won or Closed Lost);
otherwise it is open at the last stage it entered before the end.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from funnelwise.simulate.config import LOST_STAGE, NEVER, OPEN_STAGES, WON_STAGE

NORMAL, STALE, INFLATED = 0, 1, 2


@dataclass(frozen=True)
class Opps:
    """One entry per opportunity.

    - `origin_t`: when the deal's story started (the discovery meeting), before `created`;
    - `stage_t`: (n, 3) planned entry times of Qualified, Proposal, Negotiation (NEVER if not);
    - `close_t`: planned close time (NEVER for deals that never close);
    - `horizon`: planned life in seconds, used to time outcomes along the deal;
    - `active_until`: customer activity on the deal stops at this time;
    - `expected_close`: expected close date as an epoch day;
    - `first_close`: the first forecast of it (differs from `expected_close` once pushed);
    - `p_goals`, `p_sponsor`, `p_decision`: chances of each outcome on this deal;
    - `kind`: NORMAL, or a planted STALE or INFLATED deal.
    """

    rep: np.ndarray
    lead: np.ndarray
    origin_t: np.ndarray
    stage_t: np.ndarray
    close_t: np.ndarray
    won: np.ndarray
    horizon: np.ndarray
    active_until: np.ndarray
    amount: np.ndarray
    product: np.ndarray
    expected_close: np.ndarray
    first_close: np.ndarray
    p_goals: np.ndarray
    p_sponsor: np.ndarray
    p_decision: np.ndarray
    kind: np.ndarray

    @property
    def count(self) -> int:
        return int(self.rep.shape[0])

    @property
    def created(self) -> np.ndarray:
        return np.asarray(self.stage_t[:, 0])

    def take(self, index: np.ndarray) -> Opps:
        """The opportunities at the given positions, in that order."""
        return Opps(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[Opps]) -> Opps:
        return Opps(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                       for f in fields(Opps)})


def closed(opps: Opps, end_s: int) -> np.ndarray:
    return np.asarray(opps.close_t < end_s)


def status_codes(opps: Opps, end_s: int) -> np.ndarray:
    """0 open, 1 won, 2 lost, as seen at the data end."""
    done = closed(opps, end_s)
    return np.where(done, np.where(opps.won, 1, 2), 0).astype(np.int8)


def current_stage(opps: Opps, end_s: int) -> np.ndarray:
    """Stage code (index into STAGES) at the data end."""
    entered = (opps.stage_t < end_s).sum(axis=1) - 1
    final = np.where(opps.won, WON_STAGE, LOST_STAGE)
    return np.where(closed(opps, end_s), final, np.maximum(entered, 0)).astype(np.int8)


def stage_history(opps: Opps, end_s: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage history rows (opportunity index, stage code, entered time), in time per deal."""
    final = np.where(opps.won, WON_STAGE, LOST_STAGE)
    times = np.concatenate([opps.stage_t, opps.close_t[:, None]], axis=1)
    codes = np.concatenate([np.broadcast_to(np.arange(OPEN_STAGES), opps.stage_t.shape),
                            final[:, None]], axis=1)
    seen = times < end_s
    opp = np.broadcast_to(np.arange(opps.count)[:, None], times.shape)
    return opp[seen], codes[seen].astype(np.int8), times[seen]


def pushed(opps: Opps) -> np.ndarray:
    """Whether each deal's expected close date was moved later than its first forecast."""
    return np.asarray(opps.expected_close > opps.first_close)


def has_reached(opps: Opps, stage: int) -> np.ndarray:
    """Whether each deal's plan includes entering the given open stage."""
    return np.asarray(opps.stage_t[:, stage] != NEVER)
