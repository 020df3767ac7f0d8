"""Settings of a simulated org, its result, the vocabulary it writes and shared time helpers.

Times are held as integer seconds since 1970-01-01 (naive, no time zone) and days as integer
days since the same epoch, so every step can work on whole numpy arrays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from funnelwise.errors import UserError

DAY = 86_400
WEEK = 7 * DAY
EPOCH = dt.date(1970, 1, 1)

TABLE_NAMES = ("reps", "accounts", "leads", "opportunities", "stage_history", "activities",
               "outcomes", "quotas", "close_date_history")

ACTIVITY_TYPES = ("call", "email", "linkedin", "meeting", "demo", "proposal")
CALL, EMAIL, LINKEDIN, MEETING, DEMO, PROPOSAL = range(6)
OUTREACH_TYPES = ACTIVITY_TYPES[:3]

OUTPUTS = ("connected", "no_answer", "replied", "opened", "no_response", "held", "no_show",
           "delivered")
CONNECTED, NO_ANSWER, REPLIED, OPENED, NO_RESPONSE, HELD, NO_SHOW, DELIVERED = range(8)

OUTCOME_KINDS = ("opportunity_qualified", "goals_agreed", "sponsor_engaged", "decision_plan")
QUALIFIED_KIND, GOALS_KIND, SPONSOR_KIND, DECISION_KIND = range(4)

STAGES = ("Qualified", "Proposal", "Negotiation", "Closed Won", "Closed Lost")
OPEN_STAGES = 3
WON_STAGE, LOST_STAGE = 3, 4

FUNNEL_STEPS = ("outreach", "conversation", "meeting", "qualified", "won")
SOURCES = ("inbound", "outbound", "referral", "event", "partner")
SOURCE_SHARES = (0.22, 0.5, 0.12, 0.1, 0.06)
PRODUCTS = ("Platform", "Analytics", "Integrations", "Premium Support")
PRODUCT_SHARES = (0.45, 0.3, 0.15, 0.1)
REGIONS = ("East", "West", "Central")
SEGMENTS = ("SMB", "Mid-Market", "Enterprise")
SEGMENT_SHARES = (0.5, 0.35, 0.15)

NEVER = np.iinfo(np.int64).max

STREAMS = ("people", "params", "plan", "outreach", "leads", "meetings", "deals", "activities",
           "outcomes", "planted", "quotas", "calls")


@dataclass(frozen=True)
class SimConfig:
    """Size and seed of a simulated org.

    Data covers the days [start, start + 7 * weeks); `scale_activities` multiplies every rep's
    weekly outreach volume and therefore, on average, everything downstream of it.
    `conversion` multiplies every rep's rates of the three steps before an opportunity
    (channel yields, conversation -> meeting, meeting -> qualified; see `params`): more
    opportunities per activity, as in an org with warmer leads (the benchmark's org).
    """

    reps: int = 20
    weeks: int = 52
    seed: int = 7
    scale_activities: float = 1.0
    start: dt.date = dt.date(2025, 6, 30)
    conversion: float = 1.0

    def __post_init__(self) -> None:
        if self.reps < 1:
            raise UserError(f"reps must be at least 1, got {self.reps}")
        if self.weeks < 1:
            raise UserError(f"weeks must be at least 1, got {self.weeks}")
        if not self.scale_activities > 0:
            raise UserError(f"scale_activities must be positive, got {self.scale_activities}")
        if not self.conversion > 0:
            raise UserError(f"conversion must be positive, got {self.conversion}")
        if self.start.weekday() != 0:
            raise UserError(f"start must be a Monday, got {self.start} ({self.start:%A})")

    @property
    def end(self) -> dt.date:
        """First day after the data."""
        return self.start + dt.timedelta(weeks=self.weeks)

    @property
    def start_day(self) -> int:
        return (self.start - EPOCH).days

    @property
    def start_s(self) -> int:
        return self.start_day * DAY

    @property
    def end_s(self) -> int:
        return self.start_s + self.weeks * WEEK


@dataclass(frozen=True)
class SimulatedOrg:
    """The canonical tables of a simulated org and the true parameters behind them."""

    tables: Mapping[str, pa.Table]
    truth: dict[str, Any]


def streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent random generator per part of the simulation, all derived from `seed`.

    Parts draw from their own stream, so changing how much one part draws leaves the others'
    draws unchanged.
    """
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.Generator(np.random.PCG64(s)) for name, s in zip(
        STREAMS, children, strict=True)}


def to_weekday(days: np.ndarray) -> np.ndarray:
    """Days since the epoch moved off weekends: Saturday and Sunday become the next Monday."""
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
    return days + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))


def office_time(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """A timestamp (seconds) on each given day, uniformly within office hours 08:00-18:00."""
    seconds = rng.integers(8 * 3600, 18 * 3600, size=days.shape[0])
    return days.astype(np.int64) * DAY + seconds


def categorical(rng: np.random.Generator, shares: tuple[float, ...], n: int) -> np.ndarray:
    """n category codes (int8) drawn with the given shares."""
    return np.asarray(rng.choice(len(shares), size=n, p=shares), dtype=np.int8)


def iso_day(day: int) -> str:
    """An epoch day number as YYYY-MM-DD."""
    return (EPOCH + dt.timedelta(days=int(day))).isoformat()
