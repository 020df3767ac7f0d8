"""Win rates: won / (won + lost) by count and by value, with shrunk estimates and intervals.

Only closed deals count (open ones have no result yet). `--since/--until` select deals by
their close date. Value win rate = won amount / (won + lost amount): the rate at which
pipeline value turns into revenue, which is what coverage needs.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from funnelwise.metrics.dimensions import count_if, filters, keyed, window
from funnelwise.metrics.result import MetricResult, deferred_sql
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL, prior_note, shrink
from funnelwise.schema.crm import Crm

COLUMNS = ["key", "parent", "won", "lost", "closed", "win_rate", "win_rate_est", "win_rate_lo",
           "win_rate_hi", "value_win_rate", "won_value", "lost_value", "parent_rate"]


def closed_deals(crm: Crm, since: dt.date | None, until: dt.date | None) -> ir.Table:
    """Won and lost opportunities closed in the window."""
    o = crm.opportunities
    return o.filter(o.status.isin(["won", "lost"]), window(o.closed_at, since, until))


def winrate_counts(
    crm: Crm, *, by: str = "rep", since: dt.date | None = None, until: dt.date | None = None
) -> ir.Table:
    """Won/lost counts and values per group: the expression behind `funnelwise winrates`."""
    deals = keyed(crm, closed_deals(crm, since, until), rep_col="owner_rep_id", by=by)
    won = deals.status == "won"
    amount = deals.amount.fill_null(0)
    return deals.group_by(["key", "parent"]).aggregate(
        won=count_if(won),
        lost=count_if(~won),
        won_value=ibis.ifelse(won, amount, 0.0).sum(),
        lost_value=ibis.ifelse(won, 0.0, amount).sum(),
    ).order_by("key")


def winrates(
    crm: Crm, *, by: str = "rep", since: dt.date | None = None, until: dt.date | None = None,
    level: float = DEFAULT_LEVEL, prior_strength: float | None = None,
) -> MetricResult:
    """Win rates per group with the beta-binomial estimate toward the parent."""
    expr = winrate_counts(crm, by=by, since=since, until=until)
    frame = expr.to_pandas()
    frame["closed"] = frame["won"] + frame["lost"]
    frame["win_rate"] = frame["won"] / frame["closed"]
    total_value = frame["won_value"] + frame["lost_value"]
    frame["value_win_rate"] = frame["won_value"] / total_value.where(total_value > 0)
    frame, m = shrink(frame, k="won", n="closed", prefix="win_rate", level=level,
                      prior_strength=prior_strength)
    note = prior_note(f"{m:.1f}", groups=len(frame), level=level,
                      given=prior_strength is not None)
    return MetricResult(
        name="winrates", frame=frame[COLUMNS], sql=deferred_sql(expr),
        filters=filters(by, since, until, deals="closed (won or lost), by close date"),
        notes=(note,),
    )
