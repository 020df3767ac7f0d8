"""Backtest horizons (`1q`, `2m`, `1y`) and the rolling periods they give from each origin.

A horizon is a whole number of months: `q` = 3, `m` = 1, `y` = 12. From an origin D the period
is [D, D + horizon), so origin 2017-04-01 with `1q` forecasts 2017-04-01 to 2017-06-30.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from funnelwise.errors import UserError
from funnelwise.periods import Period, add_months

_HORIZON = re.compile(r"^\s*(\d+)\s*([mqy])\s*$", re.IGNORECASE)
MONTHS = {"m": 1, "q": 3, "y": 12}


@dataclass(frozen=True)
class Horizon:
    """A span of whole months, written as the user wrote it."""

    label: str
    months: int

    def period(self, origin: dt.date) -> Period:
        """The period that starts at `origin` and lasts this horizon."""
        end = add_months(origin, self.months) - dt.timedelta(days=1)
        return Period(label=f"{origin.isoformat()} +{self.label}", start=origin, end=end)


def parse_horizon(text: str) -> Horizon:
    """`1q`, `2m`, `1y` as a Horizon; anything else is a user error."""
    m = _HORIZON.match(text)
    if not m or int(m[1]) < 1:
        raise UserError(f"horizon {text!r} is not a number of months, quarters or years "
                        "(expected e.g. 1q, 2m or 1y)")
    count, unit = int(m[1]), m[2].lower()
    return Horizon(label=f"{count}{unit}", months=count * MONTHS[unit])


def origins(first: dt.date, last: dt.date, every: Horizon) -> list[dt.date]:
    """Origins from `first` to `last` (both included), `every` apart."""
    if last < first:
        raise UserError(f"--to {last} is before --from {first}")
    out: list[dt.date] = []
    step = 0
    while (day := add_months(first, every.months * step)) <= last:
        out.append(day)
        step += 1
    return out
