"""Sales cycle: days from an opportunity's creation to its win, as a distribution.

Only won deals with both dates count; `--since/--until` select them by close date. Quantiles
are linear (continuous) percentiles: median, p25, p75 and p90, because planning needs the
spread ("most deals take 60-120 days"), not only the middle.
"""

from __future__ import annotations

import datetime as dt

import ibis.expr.types as ir

from funnelwise.metrics.dimensions import filters, keyed, window
from funnelwise.metrics.result import MetricResult, deferred_sql
from funnelwise.schema.crm import Crm

SECONDS_PER_DAY = 86400


def cycle_days(o: ir.Table) -> ir.FloatingValue:
    """Days from created_at to closed_at (fractional), as portable epoch arithmetic."""
    return (o.closed_at.epoch_seconds() - o.created_at.epoch_seconds()) / SECONDS_PER_DAY


def cycle_stats(crm: Crm, *, by: str = "rep", since: dt.date | None = None,
                until: dt.date | None = None) -> ir.Table:
    """Cycle-time distribution of won deals per group: `funnelwise cycle`'s query."""
    o = crm.opportunities
    won = o.filter(o.status == "won", o.created_at.notnull(), o.closed_at.notnull(),
                   window(o.closed_at, since, until))
    g = keyed(crm, won.mutate(days=cycle_days(won)), rep_col="owner_rep_id", by=by)
    return g.group_by(["key", "parent"]).aggregate(
        won=g.count(), mean_days=g.days.mean(), p25_days=g.days.quantile(0.25),
        median_days=g.days.quantile(0.5), p75_days=g.days.quantile(0.75),
        p90_days=g.days.quantile(0.9),
    ).order_by("key")


def cycle(crm: Crm, *, by: str = "rep", since: dt.date | None = None,
          until: dt.date | None = None) -> MetricResult:
    """Cycle-time percentiles of won deals per group."""
    expr = cycle_stats(crm, by=by, since=since, until=until)
    return MetricResult(name="cycle", frame=expr.to_pandas(), sql=deferred_sql(expr),
                        filters=filters(by, since, until, deals="won, by close date"))
