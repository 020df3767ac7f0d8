"""Every rep's count at every funnel step, week by week: what coaching and the forward
projection read.

A week is named by its Monday. Steps are counted as in `funnelwise funnel`: activities and
outputs by the week they happened, outcomes by the week achieved, opportunity stages and
statuses by the week the opportunity was created. The large tables are aggregated in one pass
each (per rep, week, type and output first); the result has one row per rep, week and step,
small enough for pandas (80 reps x 52 weeks x 5 steps is 20,800 rows).
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import ibis
import ibis.expr.types as ir
import pandas as pd

from funnelwise.metrics.dimensions import count_if
from funnelwise.metrics.funnel import event_match, reached_step
from funnelwise.metrics.progress import opportunity_progress
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Funnel, Step


def week_of(ts: ir.TimestampValue) -> ir.DateValue:
    """The Monday of the week a timestamp falls in."""
    return ts.truncate("W").date()


def _long(wide: ir.Table, rep: str, steps: list[tuple[int, Step]]) -> list[ir.Table]:
    return [wide.select(rep_id=wide[rep], week=wide.week, step=ibis.literal(s.name),
                        count=wide[f"s{i}"].cast("int64")) for i, s in steps]


def _events(table: ir.Table, date_col: str, cols: list[str],
            steps: list[tuple[int, Step]]) -> list[ir.Table]:
    if not steps:
        return []
    per = table.group_by(["rep_id", *cols], week=week_of(table[date_col])).aggregate(
        _n=table.count())
    wide = per.group_by(["rep_id", "week"]).aggregate(**{
        f"s{i}": ibis.ifelse(event_match(s, per), per._n, 0).sum() for i, s in steps})
    return _long(wide, "rep_id", steps)


def _opportunities(crm: Crm, steps: list[tuple[int, Step]]) -> list[ir.Table]:
    if not steps:
        return []
    o = opportunity_progress(crm)
    o = o.filter(o.created_at.notnull())
    wide = o.group_by(["owner_rep_id"], week=week_of(o.created_at)).aggregate(**{
        f"s{i}": count_if(reached_step(s, o, crm)) for i, s in steps})
    return _long(wide, "owner_rep_id", steps)


def weekly_counts(crm: Crm) -> ir.Table:
    """Per (rep_id, week, step): how many reached the step that week."""
    steps = list(enumerate(crm.funnel.steps))
    parts = [
        *_events(crm.activities, "occurred_at", ["type", "output"],
                 [(i, s) for i, s in steps if s.kind in ("activity", "output")]),
        *_events(crm.outcomes, "achieved_at", ["kind"],
                 [(i, s) for i, s in steps if s.kind == "outcome"]),
        *_opportunities(crm, [(i, s) for i, s in steps if s.is_opportunity_step]),
    ]
    return ibis.union(*parts)


def mondays(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every Monday from `first` to `last` (both Mondays), in order."""
    return [first + dt.timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]


def weekly_frame(long: pd.DataFrame, reps: list[str], steps: list[str], last_week: dt.date,
                 first_week: dt.date | None = None) -> pd.DataFrame:
    """Counts as a (rep, week) x step frame with zeros for quiet weeks, up to `last_week`.

    Every rep gets every week from the first week with any data (or `first_week`, when
    earlier), so a week without activity counts as zero instead of being missing.
    """
    frame = long.assign(week=pd.to_datetime(long["week"]).dt.date)
    frame = frame[frame["week"] <= last_week]
    first = min([*frame["week"], first_week or last_week])
    index = pd.MultiIndex.from_product([reps, mondays(first, last_week)],
                                       names=["rep_id", "week"])
    wide = frame.pivot_table(index=["rep_id", "week"], columns="step", values="count",
                             aggfunc="sum")
    return wide.reindex(index=index, columns=steps).fillna(0).astype("int64")


def flow_pairs(funnel: Funnel) -> list[tuple[Step, Step]]:
    """(step, next step) pairs whose rate is not a deal-stage cohort."""
    return [(s, n) for s, n in pairwise(funnel.steps)
            if not (s.is_opportunity_step and n.is_opportunity_step)]
