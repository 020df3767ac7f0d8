"""The filters every page takes from its query string: period, manager and team.

`?since=2026-01-01&until=2026-03-31&manager=Mia%20Lund&team=North`; empty values mean "no
filter", so a submitted form with blank fields shows everything. The period goes to each
metric's own date (close date for win rates, creation for deal cohorts, activity date for
activities); manager and team restrict the reps (see `metrics.scope`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from funnelwise.errors import UserError
from funnelwise.metrics.scope import Scope

FIELDS = ("since", "until", "manager", "team")
PERIODS = (("Last 90 days", 90), ("Last 6 months", 182), ("Last 12 months", 365))


@dataclass(frozen=True)
class Filters:
    """A page's filters; `None` means not filtered."""

    since: dt.date | None = None
    until: dt.date | None = None
    manager: str | None = None
    team: str | None = None

    @property
    def scope(self) -> Scope:
        return Scope(manager=self.manager, team=self.team)

    def as_dict(self) -> dict[str, str | None]:
        """The filters as JSON values (dates as YYYY-MM-DD)."""
        return {k: _text(getattr(self, k)) for k in FIELDS}

    def params(self) -> dict[str, str]:
        """Only the filters that are set, as query parameters."""
        return {k: v for k, v in self.as_dict().items() if v is not None}

    def query(self) -> str:
        """`?since=...` for the filters that are set, or '' when none is."""
        params = self.params()
        return "?" + urlencode(params) if params else ""

    def with_period(self, since: dt.date | None, until: dt.date | None) -> Filters:
        return replace(self, since=since, until=until)

    def describe(self) -> str:
        """One line for a report header: `2026-01-01 to 2026-03-31, team North`."""
        period = f"{_text(self.since) or 'start'} to {_text(self.until) or 'latest'}"
        if self.since is None and self.until is None:
            period = "all dates"
        return f"{period}, {self.scope.describe()}"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _date(name: str, raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise UserError(f"{name}={raw!r} is not a date (expected YYYY-MM-DD)") from None


def parse(params: Mapping[str, str]) -> Filters:
    """Filters from query parameters; blank values are ignored, bad dates are user errors."""
    values = {k: params[k].strip() for k in FIELDS if params.get(k, "").strip()}
    since = _date("since", values["since"]) if "since" in values else None
    until = _date("until", values["until"]) if "until" in values else None
    if since and until and since > until:
        raise UserError(f"since ({since}) is after until ({until}); swap them")
    return Filters(since=since, until=until, manager=values.get("manager"),
                   team=values.get("team"))


def periods(filters: Filters, latest: dt.date | None) -> list[tuple[str, Filters]]:
    """Quick periods ending at the latest date in the data, plus 'All dates'."""
    out = []
    if latest is not None:
        for label, days in PERIODS:
            since = latest - dt.timedelta(days=days - 1)
            out.append((label, filters.with_period(since, latest)))
    out.append(("All dates", filters.with_period(None, None)))
    return out
