"""The days a page's own options name (`?as_of=`, `?start=`), read one way on every page."""

from __future__ import annotations

import datetime as dt

from funnelwise.errors import UserError
from funnelwise.web.context import Context


def given_day(ctx: Context, name: str, text: str | None) -> dt.date | None:
    """`?<name>=` as a date, None when blank; a bad date, or one outside the data, is a user
    error naming the option."""
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise UserError(f"{name}={raw!r} is not a date (expected YYYY-MM-DD)") from None
    return ctx.span().check_day(day, name)


def review_day(ctx: Context, as_of: str | None) -> dt.date:
    """`?as_of=` as a date, else the page's as-of day (the day after `until`, else the data's
    today)."""
    return given_day(ctx, "as_of", as_of) or ctx.as_of()
