"""Small table expressions the pages need beside the metrics: who a rep is, their open deals,
their weekly activity, and the latest date in the data. Pure Ibis; the pages execute them.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from funnelwise.metrics.asof import AsOf, days_between, opportunities_as_of
from funnelwise.metrics.dimensions import count_if, window
from funnelwise.metrics.funnel import event_match
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Funnel, Step

SECONDS_PER_DAY = 86400


def rep_rows(crm: Crm) -> ir.Table:
    """Reps with a display name (the id when the name is empty), ordered by name."""
    r = crm.reps
    return r.select("rep_id", "manager", "team", "region",
                    name=r.name.fill_null(r.rep_id)).order_by(["name", "rep_id"])


def open_deals(crm: Crm, rep_id: str, at: AsOf) -> ir.Table:
    """The rep's deals open as of `at` (the one as-of view, as `review --as-of` reads it),
    largest first, with the account name and age in days at that day."""
    o, a = opportunities_as_of(crm, at.day, today=at.today, open_only=True), crm.accounts
    o = o.filter(o.owner_rep_id == rep_id)
    names = a.select(_acc=a.account_id, _acc_name=a.name)
    j = o.left_join(names, o.account_id == names._acc)
    age = days_between(at.cut, j.created_at)
    return j.select(
        "opportunity_id", account=j._acc_name.fill_null(j.account_id), stage=j.stage,
        product=j.product, source=j.source, amount=j.amount, created_at=j.created_at.date(),
        expected_close_date=j.expected_close_date, age_days=age.floor().cast("int64"),
    ).order_by([ibis.desc("amount"), "opportunity_id"])


def volume_steps(funnel: Funnel) -> tuple[Step, Step | None] | None:
    """The first activity step of the funnel and, when it is an output, the step after it."""
    steps = funnel.steps
    for i, step in enumerate(steps):
        if step.kind == "activity":
            nxt = steps[i + 1] if i + 1 < len(steps) else None
            return step, nxt if nxt is not None and nxt.kind == "output" else None
    return None


def weekly_activity(crm: Crm, *, rep_id: str, volume: Step, output: Step | None,
                    since: dt.date | None, until: dt.date | None) -> ir.Table:
    """Per week (starting Monday): activities at the `volume` step and outputs they produced.

    Yield = output / volume: the conversion the funnel counts as a ratio for these two steps,
    week by week, so a rise in volume with a falling yield shows at a glance.
    """
    a = crm.activities
    a = a.filter(a.rep_id == rep_id, window(a.occurred_at, since, until))
    out_count = count_if(event_match(output, a)) if output else ibis.literal(0, "int64")
    return a.group_by(week=a.occurred_at.truncate("W").date()).aggregate(
        volume=count_if(event_match(volume, a)), output=out_count,
    ).order_by("week")


