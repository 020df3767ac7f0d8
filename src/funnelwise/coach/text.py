"""How numbers read in a flag's evidence: counts, rates, money, weeks."""

from __future__ import annotations

import datetime as dt

from funnelwise.numbers import money

__all__ = ["money", "pct", "qty", "ratio", "week"]


def qty(v: float) -> str:
    """A count or a weekly volume: one decimal under 10, whole numbers above."""
    if v != v:
        return "–"
    return f"{v:,.1f}" if abs(v) < 10 and v != round(v) else f"{v:,.0f}"


def pct(v: float) -> str:
    return "–" if v != v else f"{v:.1%}"


def week(d: dt.date) -> str:
    """A week by its Monday: `8 Dec 2025`."""
    return f"{d.day} {d:%b %Y}"


def ratio(k: float, n: float) -> str:
    """`12.1% (56 of 463)`."""
    return f"{pct(k / n) if n else '–'} ({k:,.0f} of {n:,.0f})"
