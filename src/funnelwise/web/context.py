"""What a page's data function receives: the tables in scope, the filters, and metric results
computed once per context (a report of twenty rep pages computes `funnel --by rep` once; the
dashboard keeps a context's results across requests while the workspace file is unchanged).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from funnelwise.frames import records
from funnelwise.metrics.cycle import cycle
from funnelwise.metrics.funnel import funnel
from funnelwise.metrics.result import MetricResult
from funnelwise.metrics.scope import check, known, restrict
from funnelwise.metrics.span import Span, data_span
from funnelwise.metrics.winrates import winrates
from funnelwise.schema.crm import Crm
from funnelwise.web import queries
from funnelwise.web.filters import Filters

if TYPE_CHECKING:
    from funnelwise.pipeline.accuracy import Accuracy

METRICS: dict[str, Callable[..., MetricResult]] = {
    "funnel": funnel, "winrates": winrates, "cycle": cycle,
}


@dataclass(frozen=True)
class Context:
    """The org's tables (`org`), the same restricted to the filters' scope (`crm`), filters.

    The tables come from `tables()`, called the first time a page needs them: the dashboard
    opens the workspace then, so a page whose results are all remembered opens nothing.
    Results live in `memo`, which a caller may share between contexts over the same data;
    the tables never do.
    """

    tables: Callable[[], Crm]
    filters: Filters
    memo: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)
    _open: dict[str, Crm] = field(default_factory=dict, compare=False, repr=False)

    def accuracy(self) -> Accuracy | None:
        """The accuracy the workspace keeps for its data as it is (`Crm.kept`; the whole
        org's: the figures are measured once per import, not per filter)."""
        from funnelwise.pipeline.accuracy import META_KEY, cached

        return self.remember(("accuracy",), lambda: cached(self.org.kept.get(META_KEY),
                                                           data_span(self.org).today))

    @property
    def org(self) -> Crm:
        """The whole org's tables."""
        return self._opened()["org"]

    @property
    def crm(self) -> Crm:
        """The tables limited to the reps in the filters' scope."""
        return self._opened()["crm"]

    def _opened(self) -> dict[str, Crm]:
        """The tables, got on first use; the filters' people and dates are checked against
        them."""
        if not self._open:
            org = self.tables()
            check(org, self.filters.scope)
            self._open.update(org=org, crm=restrict(org, self.filters.scope))
            self.span().check_window(self.filters.since, self.filters.until)
        return self._open

    def metric(self, name: str, *, by: str) -> MetricResult:
        """`funnelwise <name> --by <by>` with this page's period, over the scope's reps."""
        return self._cached(("metric", name, by), lambda: METRICS[name](
            self.crm, by=by, since=self.filters.since, until=self.filters.until))

    def records(self, name: str, *, by: str, key: str | None = None) -> list[dict[str, Any]]:
        """The metric's JSON rows (as the CLI prints them), optionally only one group's."""
        rows = self.metric(name, by=by).records()
        return rows if key is None else [r for r in rows if r["key"] == key]

    def reps(self) -> list[dict[str, Any]]:
        """The reps in scope, by name."""
        return self._cached("reps", lambda: records(queries.rep_rows(self.crm).to_pandas()))

    def known(self, column: str) -> list[str]:
        """Every manager (or team) in the org: the choices of the filter bar."""
        return self._cached(("known", column), lambda: known(self.org, column))

    def span(self) -> Span:
        """The whole org's data span and its today (`metrics.span`), as the CLI reads it."""
        return self._cached("span", lambda: data_span(self.org))

    def latest(self) -> dt.date:
        """The org's last day with a record (what "last 90 days" counts back from)."""
        return self.span().last

    def as_of(self) -> dt.date:
        """The day the page views the CRM as of: the day after `until`, else the data's today
        (the start of the day after its last record), as `--as-of` defaults on the CLI."""
        if self.filters.until is not None:
            return self.filters.until + dt.timedelta(days=1)
        return self.span().today

    def remember(self, key: Any, compute: Callable[[], Any]) -> Any:
        """`compute()`, once per key for this context (a page's data, for instance)."""
        return self._cached(key, compute)

    def _cached(self, key: Any, compute: Callable[[], Any]) -> Any:
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]


def make_context(org: Crm, filters: Filters) -> Context:
    """A context for `filters` over open tables; unknown managers or teams are user errors."""
    ctx = Context(tables=lambda: org, filters=filters)
    ctx._opened()
    return ctx


