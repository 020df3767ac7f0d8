"""Number formats a manager reads at a glance: money, percent, days, counts."""

from __future__ import annotations

import math
from typing import Any

from funnelwise.numbers import money

__all__ = ["count", "days", "estimate", "interval", "money", "money_short", "pct", "text"]


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def pct(v: Any) -> str:
    return "–" if _missing(v) else f"{float(v):.1%}"


def money_short(v: Any) -> str:
    """Money in at most four characters where possible: 206k, 1.6M."""
    if _missing(v):
        return "–"
    v = float(v)
    if abs(v) >= 1e6:
        return f"{v / 1e6:.1f}M"
    return f"{v / 1e3:.0f}k" if abs(v) >= 1e3 else f"{v:.0f}"


def days(v: Any) -> str:
    return "–" if _missing(v) else f"{float(v):.1f}"


def count(v: Any) -> str:
    return "–" if _missing(v) else f"{int(v):,}"


def text(v: Any) -> str:
    return "" if _missing(v) else str(v)


def estimate(est: Any, lo: Any, hi: Any) -> str:
    """A shrunk rate with its interval, e.g. `16.8% (11.1–23.5)`."""
    if _missing(est):
        return "–"
    if _missing(lo) or _missing(hi):
        return pct(est)
    return f"{float(est):.1%} ({float(lo) * 100:.1f}–{float(hi) * 100:.1f})"


def interval(lo: Any, hi: Any) -> str:
    """An interval of rates, e.g. `60.1–65.3%`."""
    if _missing(lo) or _missing(hi):
        return "–"
    return f"{float(lo) * 100:.1f}–{float(hi) * 100:.1f}%"
