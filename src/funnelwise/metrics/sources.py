"""Sources: which lead sources create qualified pipeline and revenue, not just leads.

Leads are an activity-level count; a source is judged on what its leads became. The cohort is
the leads created in the window (`--since/--until` on the lead's creation), followed to today:

    leads               leads created in the window
    opportunities       opportunities opened from those leads (each one a qualified
                        opportunity accepted by sales)
    pipeline_value      their amounts, whatever became of them
    won, won_revenue    the won ones and their amounts
    conversion          leads with at least one won opportunity / leads, shrunk toward the
                        organisation (beta-binomial, `shrinkage`) with an interval
    median_days_to_win  median days from the lead's creation to the win

`--by source` (the lead's source), `landing_page` (the lead's landing page) or `sdr` (the SDR
who qualified the lead into an opportunity, `opportunities.sdr_id`: leads that never became an
opportunity have no SDR and fall under `(none)`, as does an opportunity without one). Leads
without a value are grouped as `(none)`.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from funnelwise.metrics.asof import SECONDS_PER_DAY
from funnelwise.metrics.dimensions import ALL, NONE, check_by, count_if, filters, window
from funnelwise.metrics.result import MetricResult, deferred_sql
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL, prior_note, shrink
from funnelwise.schema.crm import Crm

BY = ("source", "landing_page", "sdr")
COLUMNS = ["key", "leads", "opportunities", "pipeline_value", "won", "won_revenue",
           "converted", "conversion", "conversion_est", "conversion_lo", "conversion_hi",
           "median_days_to_win"]


def _column(table: ir.Table, name: str) -> ir.StringValue:
    """A string column, or nulls when an older workspace lacks it."""
    return table[name] if name in table.columns else ibis.null("string")


def lead_outcomes(leads: ir.Table, opportunities: ir.Table, *, by: str) -> ir.Table:
    """One row per (lead, opportunity or none) with the group `key`."""
    o = opportunities.select(_lead=opportunities.lead_id, _opp=opportunities.opportunity_id,
                             _status=opportunities.status, _amount=opportunities.amount,
                             _closed=opportunities.closed_at,
                             _sdr=_column(opportunities, "sdr_id"))
    j = leads.left_join(o, leads.lead_id == o._lead)
    key = {"source": j.source, "landing_page": _column(j, "landing_page"), "sdr": j._sdr}[by]
    won = j._status == "won"
    days = (j._closed.epoch_seconds() - j.created_at.epoch_seconds()) / SECONDS_PER_DAY
    return j.mutate(key=key.fill_null(NONE), _won=won.fill_null(False), _days=days)


def source_counts(crm: Crm, *, by: str = "source", since: dt.date | None = None,
                  until: dt.date | None = None) -> ir.Table:
    """Leads, opportunities, pipeline, wins and days to win per group: `sources`' query."""
    check_by(by, BY)
    leads = crm.leads.filter(window(crm.leads.created_at, since, until))
    t = lead_outcomes(leads, crm.opportunities, by=by)
    amount = t._amount.fill_null(0.0)
    return t.group_by("key").aggregate(
        leads=t.lead_id.nunique(),
        opportunities=count_if(t._opp.notnull()),
        pipeline_value=ibis.ifelse(t._opp.notnull(), amount, 0.0).sum(),
        won=count_if(t._won),
        won_revenue=ibis.ifelse(t._won, amount, 0.0).sum(),
        converted=ibis.ifelse(t._won, t.lead_id, ibis.null("string")).nunique(),
        median_days_to_win=ibis.ifelse(t._won, t._days, ibis.null("float64")).quantile(0.5),
    ).order_by("key")


def sources(crm: Crm, *, by: str = "source", since: dt.date | None = None,
            until: dt.date | None = None, level: float = DEFAULT_LEVEL) -> MetricResult:
    """Per source: leads to qualified pipeline to revenue, conversion with its interval."""
    expr = source_counts(crm, by=by, since=since, until=until)
    frame = expr.to_pandas()
    frame["conversion"] = frame["converted"] / frame["leads"].where(frame["leads"] > 0)
    frame, m = shrink(frame.assign(parent=ALL), k="converted", n="leads", prefix="conversion",
                      level=level)
    frame = frame.sort_values(["won_revenue", "key"], ascending=[False, True])
    return MetricResult(
        name="sources", frame=frame[COLUMNS].reset_index(drop=True), sql=deferred_sql(expr),
        filters=filters(by, since, until, leads="created in the window, followed to today"),
        notes=(prior_note(f"{m:.1f}", groups=len(frame), level=level),
               "conversion = leads with a won opportunity / leads; pipeline value = amounts "
               "of the opportunities opened from those leads"),
    )
