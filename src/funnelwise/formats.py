"""How numbers, money, dates and chances read wherever a person reads them: terminal tables,
the dashboard, the brief, a flag's evidence, a coaching question.

One style each, so the same figure reads the same on every surface:

    money(442190)      -> '442.2k'    (with the workspace's currency: '€442.2k' or '442.2k EUR')
    money(1_234_567)   -> '1.2M'
    pct(0.1684)        -> '16.8%'
    count(4238)        -> '4,238'     count(2277.3, up=True) -> '2,278' (a goal: whole activities)
    days(42.4)         -> '42'        days(1, unit=True) -> '1 day'
    date(d)            -> '2026-06-28'
    chance(0.9996)     -> 'almost certainly (>99%)'

JSON and CSV never go through here: they carry the raw figures. A missing value (None, NaN,
NaT) reads as `–` everywhere.

The currency is a workspace setting (`funnelwise settings --currency EUR`), read once per
command or request and set here with `using_currency`; it is empty by default (no symbol).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

MISSING = "–"
SUFFIXES = ((1e9, "B"), (1e6, "M"), (1e3, "k"))
ISO_CODE = re.compile(r"[A-Z]{3}")
NONE_WORDS = ("", "none", "off")
CURRENCY_KEY = "currency"  # the workspace metadata key of the setting

_CURRENCY: ContextVar[str] = ContextVar("funnelwise_currency", default="")


def missing(v: Any) -> bool:
    """None, NaN, NaT or pandas' NA: no number to show."""
    if v is None:
        return True
    if isinstance(v, float):
        return math.isnan(v)
    if type(v).__name__ == "NAType":  # pandas' NA
        return True
    try:
        return bool(v != v)  # NaN and NaT are not equal to themselves
    except (TypeError, ValueError):
        return False


def _finite(v: Any) -> float | None:
    if missing(v):
        return None
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


# --- the currency setting -----------------------------------------------------------------

def parse_currency(text: str | None) -> str:
    """The setting as stored: '' (none), an ISO code ('EUR', shown after the figure) or a
    symbol of up to three characters ('€', 'R$', shown before it). 'eur' reads as 'EUR'."""
    value = (text or "").strip()
    if value.lower() in NONE_WORDS:
        return ""
    if ISO_CODE.fullmatch(value.upper()) and value.isalpha():
        return value.upper()
    if len(value) <= 3 and not any(c.isdigit() or c.isspace() for c in value):
        return value
    from funnelwise.errors import UserError

    raise UserError(f"currency {value!r}: give an ISO code (EUR, USD), a symbol of up to "
                    "three characters (€, $, R$), or none")


def currency() -> str:
    """The currency money is shown in for this command or request ('' for none)."""
    return _CURRENCY.get()


@contextmanager
def using_currency(setting: str | None) -> Iterator[str]:
    """Show money in `setting` (a stored currency setting) inside the `with`."""
    token = _CURRENCY.set(parse_currency(setting))
    try:
        yield _CURRENCY.get()
    finally:
        _CURRENCY.reset(token)


def set_currency(setting: str | None) -> None:
    """Show money in `setting` from now on in this context (a command's one read of it)."""
    _CURRENCY.set(parse_currency(setting))


# --- numbers ------------------------------------------------------------------------------

def _short(a: float) -> str:
    """A non-negative amount in at most one decimal and a suffix: 950, 12.3k, 1.2M."""
    if round(a) < 1000:
        return f"{a:,.0f}"
    for limit, suffix in reversed(SUFFIXES):
        if round(a / limit, 1) < 1000 or suffix == "B":
            return f"{a / limit:,.1f}{suffix}"
    raise AssertionError("unreachable")


def money(v: Any, *, currency_setting: str | None = None) -> str:
    """Revenue, short: '950', '12.3k', '442.2k', '1.2M', '-655.0k'; in the workspace's
    currency, '€442.2k' (a symbol goes before) or '442.2k EUR' (an ISO code after)."""
    x = _finite(v)
    if x is None:
        return MISSING
    setting = currency() if currency_setting is None else parse_currency(currency_setting)
    sign = "-" if x < 0 and _short(abs(x)) != "0" else ""
    body = _short(abs(x))
    if not setting:
        return sign + body
    if ISO_CODE.fullmatch(setting):
        return f"{sign}{body} {setting}"
    return f"{sign}{setting}{body}"


def pct(v: Any, *, signed: bool = False) -> str:
    """A share or rate: '16.8%' (one decimal, always); '+12.0%' with `signed`."""
    x = _finite(v)
    if x is None:
        return MISSING
    return f"{x:+.1%}" if signed else f"{x:.1%}"


def count(v: Any, *, up: bool = False, signed: bool = False) -> str:
    """A whole number with separators: '4,238'. `up` rounds up (a goal of 2,277.3 activities
    is 2,278; 150.5 wins needed are 151); otherwise to the nearest, halves away from zero."""
    x = _finite(v)
    if x is None:
        return MISSING
    n = math.ceil(x - 1e-9) if up else int(math.copysign(math.floor(abs(x) + 0.5), x))
    return f"{n:+,}" if signed else f"{n:,}"


def days(v: Any, *, unit: bool = False) -> str:
    """A number of days, whole: '42'; with `unit`, '42 days' or '1 day'."""
    text = count(v)
    if not unit or text == MISSING:
        return text
    return f"{text} day" if text in ("1", "-1") else f"{text} days"


def multiple(v: Any) -> str:
    """A multiple such as coverage: '3.6x'."""
    x = _finite(v)
    return MISSING if x is None else f"{x:.1f}x"


def score(v: Any) -> str:
    """A score between 0 and 1 read to three decimals (a Brier score): '0.175'."""
    x = _finite(v)
    return MISSING if x is None else f"{x:.3f}"


def interval(lo: Any, hi: Any) -> str:
    """An interval of rates: '60.1–65.3%'."""
    a, b = _finite(lo), _finite(hi)
    if a is None or b is None:
        return MISSING
    return f"{a * 100:.1f}–{b * 100:.1f}%"


def estimate(est: Any, lo: Any, hi: Any) -> str:
    """A shrunk rate with its interval: '16.8% (11.1–23.5%)'."""
    if _finite(est) is None:
        return MISSING
    if _finite(lo) is None or _finite(hi) is None:
        return pct(est)
    return f"{pct(est)} ({interval(lo, hi)})"


def ratio(k: Any, n: Any) -> str:
    """A share with its counts: '12.1% (56 of 463)'."""
    share = float(k) / float(n) if _finite(n) else None
    return f"{pct(share)} ({count(k)} of {count(n)})"


# --- chances ------------------------------------------------------------------------------

CHANCES = ((0.99, "almost certainly"), (0.9, "very likely"), (0.7, "likely"),
           (0.5, "more likely than not"), (0.3, "possibly"), (0.1, "unlikely"))


def chance(p: Any) -> str:
    """A probability as a manager says it, with the figure: 'almost certainly (>99%)',
    'very likely (97.3%)', 'unlikely (8.0%)'."""
    x = _finite(p)
    if x is None:
        return MISSING
    word = next((w for limit, w in CHANCES if x >= limit), "very unlikely")
    shown = ">99%" if x > 0.99 else "<1%" if x < 0.01 else pct(x)
    return f"{word} ({shown})"


# --- dates and words ----------------------------------------------------------------------

def date(v: Any) -> str:
    """A day, ISO: '2026-06-28' (dates, timestamps, pandas timestamps and ISO text)."""
    if missing(v):
        return MISSING
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)[:10]


def span(first: Any, last: Any) -> str:
    """Two days as a range, the second without the year they share: '2026-04-13–07-13',
    '2025-12-29–2026-03-30'."""
    a, b = date(first), date(last)
    if MISSING in (a, b):
        return f"{a} to {b}"
    return f"{a}–{b[5:]}" if a[:4] == b[:4] else f"{a}–{b}"


def text(v: Any) -> str:
    """Text as it is; '' when missing."""
    return "" if missing(v) else str(v)


def words(name: Any) -> str:
    """An identifier in words: 'sponsor_engaged' -> 'sponsor engaged'."""
    return text(name).replace("_", " ")


def named(rep_id: Any, name: Any = None) -> str:
    """A person as 'Name (id)', or the id alone when there is no other name."""
    rid, who = text(rep_id), text(name)
    if not who or who == rid:
        return rid
    return f"{who} ({rid})" if rid else who


# --- reading what a person types ----------------------------------------------------------

def parse_rate(value: str | float) -> float:
    """A rate typed as '15%', '12.5 %' or '0.15' (all the same rate). Raises ValueError."""
    if isinstance(value, int | float):
        return float(value)
    raw = value.strip()
    if raw.endswith("%"):
        return float(raw[:-1].strip()) / 100
    return float(raw)


__all__ = ["MISSING", "chance", "count", "currency", "date", "days", "estimate", "interval",
           "missing", "money", "multiple", "named", "parse_currency", "parse_rate", "pct",
           "ratio", "score", "set_currency", "text", "using_currency", "words"]
