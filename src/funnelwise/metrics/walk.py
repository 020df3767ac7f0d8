"""Walk forward over past days: at each, learn from what was known then, score what came after.

A backtest and a calibration replay a model on past days, the origins. At origin D the step
fits on the CRM as it stood at the start of D: `origin.crm` (`crm_as_of`: nothing dated on or
after D), or `origin.history` read through the as-of view `origin.asof`, the pair the pipeline
and forecast functions take (`fit(crm, at)`, `open_deals(crm, at)`), which rewind it
themselves in one query instead of rewinding a rewound CRM. What happened after D is the
scorer's answer key, read once from today's data by the caller. `walk` hands every origin, in
the order given, to the step (fit, then score) and returns what each step returned.

Views that are cheaper to build for every origin at once (the forecast snapshots are a few
queries whatever the number of origins) are built by `look`, which gets the CRM, the days and
the data's today and returns one view per day; each origin carries its own as `seen`. A `look`
builds each view from the CRM as of its day (`metrics.asof.opportunities_at` does).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar, cast, overload

from funnelwise.metrics.asof import AsOf, crm_as_of
from funnelwise.metrics.span import data_span
from funnelwise.schema.crm import Crm

V = TypeVar("V")
R = TypeVar("R")
Look = Callable[[Crm, list[dt.date], dt.date], Sequence[V]]


@dataclass(frozen=True)
class Origin(Generic[V]):
    """One step of a walk: the day, the data's today, what `look` built for the day (None
    without one), and the CRM walked over (`history`, to be read as of the day only)."""

    day: dt.date
    today: dt.date
    seen: V
    history: Crm

    @property
    def asof(self) -> AsOf:
        """The as-of view of the day, for functions that take `(history, asof)`."""
        return AsOf(day=self.day, today=self.today)

    @property
    def crm(self) -> Crm:
        """The CRM as it stood at the start of the day (a lazy expression)."""
        return crm_as_of(self.history, self.day, today=self.today)


@overload
def walk(crm: Crm, days: Sequence[dt.date], step: Callable[[Origin[None]], R], *,
         today: dt.date | None = None) -> list[R]: ...


@overload
def walk(crm: Crm, days: Sequence[dt.date], step: Callable[[Origin[V]], R], *,
         look: Look[V], today: dt.date | None = None) -> list[R]: ...


def walk(crm: Crm, days: Sequence[dt.date], step: Callable[[Origin[V]], R], *,
         look: Look[V] | None = None, today: dt.date | None = None) -> list[R]:
    """`step` of each origin in `days` (with what `look` built for it), in order.

    `today` is the data's (computed when not given)."""
    today = today or data_span(crm).today
    days = list(days)
    seen: Sequence[V | None] = look(crm, days, today) if look else [None] * len(days)
    return [step(Origin(day=d, today=today, seen=cast(V, s), history=crm))
            for d, s in zip(days, seen, strict=True)]
