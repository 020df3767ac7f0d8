"""What a workspace holds, read over its tables: what `funnelwise check` reports before any
figure is trusted.

- **rows** of each canonical table (`schema.tables.TABLES`; None when the source has no such
  table, as a Parquet folder without close-date history);
- the data's **span** and today (`metrics.span`);
- **deals** by status, and those without the dates the metrics need: open deals without
  `created_at` (they cannot be aged or placed in the past), closed deals without `closed_at`
  (they count in no date window);
- **activities with outputs**: activities that count at one of the funnel's output steps
  (`metrics.funnel.event_match`), what conversion from outreach and effectiveness read;
- the **quarters quotas cover**: every calendar quarter a quota row with a positive amount
  overlaps, as `plan` and `coverage` read them (`plan.quotas`);
- **records per month** of each dated column, with its first and last day;
- the **days imports kept** what changed in the open deals (`snapshots`): the history the
  as-of view reads where the export has no stage or close-date history;
- **references** to records the workspace does not have (`metrics.references`).

Every count comes from one query per kind (the scalars in one, the months in one, the
references in one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import ibis
import ibis.expr.types as ir
import pandas as pd

from funnelwise.errors import Problem, UserError
from funnelwise.metrics.dimensions import count_if
from funnelwise.metrics.funnel import event_match
from funnelwise.metrics.references import table_of, unknown_references
from funnelwise.metrics.span import Span, as_date, data_span
from funnelwise.periods import Period, quarters
from funnelwise.schema.crm import Crm
from funnelwise.schema.tables import TABLES

DATED: tuple[tuple[str, str, str], ...] = (
    ("deals created", "opportunities", "created_at"),
    ("deals closed", "opportunities", "closed_at"),
    ("stage changes", "stage_history", "entered_at"),
    ("close-date changes", "close_date_history", "changed_at"),
    ("changes kept by imports", "snapshots", "captured_at"),
    ("activities", "activities", "occurred_at"),
    ("outcomes", "outcomes", "achieved_at"),
    ("leads", "leads", "created_at"),
)
"""Each dated record: what it is called, its table and its date column."""


@dataclass(frozen=True)
class Deals:
    """Deals by status, and the counts that say what the metrics can read of them."""

    open: int
    won: int
    lost: int
    open_undated: int
    """Open deals without `created_at`."""
    closed_undated: int
    """Won or lost deals without `closed_at`."""
    won_dated: int
    """Won deals with both dates: what cycle times and plans read."""
    won_priced: int
    """Won deals with an amount: what deal sizes read."""
    from_leads: int
    """Deals whose `lead_id` names a lead in the workspace: what `sources` follows."""
    first_created: dt.date | None
    owners: int
    """Distinct deal owners."""

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def total(self) -> int:
        return self.open + self.closed


@dataclass(frozen=True)
class Series:
    """One dated record's rows, first and last day, and rows per month (`YYYY-MM`)."""

    name: str
    table: str
    column: str
    rows: int
    first: dt.date | None
    last: dt.date | None
    months: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class Holdings:
    """Everything `funnelwise check` says the workspace holds (see the module)."""

    rows: Mapping[str, int | None]
    span: Span | None
    deals: Deals
    output_steps: tuple[str, ...]
    with_outputs: int
    quota_quarters: tuple[Period, ...]
    series: tuple[Series, ...]
    references: tuple[Problem, ...]
    imports: int = 0
    """Days on which an import kept what changed in the open deals (`snapshots`)."""

    def has(self, table: str) -> bool:
        return bool(self.rows.get(table))


def _output_match(crm: Crm) -> tuple[tuple[str, ...], ir.BooleanValue]:
    """The funnel's output steps, and whether an activity counts at one of them."""
    steps = [s for s in crm.funnel.steps if s.kind == "output"]
    a = crm.activities
    match = ibis.literal(False)
    for step in steps:
        match |= event_match(step, a)
    return tuple(s.name for s in steps), match


def _scalars(crm: Crm, match: ir.BooleanValue) -> dict[str, ir.Scalar]:
    o = crm.opportunities
    won, closed = o.status == "won", o.status.isin(["won", "lost"])
    out: dict[str, ir.Scalar] = {name: t.count() for name in TABLES
                                 if (t := table_of(crm, name)) is not None}
    return out | {
        "_open": count_if(o.status == "open"), "_won": count_if(won),
        "_lost": count_if(o.status == "lost"),
        "_open_undated": count_if((o.status == "open") & o.created_at.isnull()),
        "_closed_undated": count_if(closed & o.closed_at.isnull()),
        "_won_dated": count_if(won & o.created_at.notnull() & o.closed_at.notnull()),
        "_won_priced": count_if(won & o.amount.notnull()),
        "_from_leads": count_if(o.lead_id.isin(crm.leads.lead_id)),
        "_first_created": o.created_at.min(), "_owners": o.owner_rep_id.nunique(),
        "_with_outputs": crm.activities.filter(match).count(),
        **({"_imports": crm.snapshots.captured_at.nunique()} if crm.snapshots is not None
           else {}),
    }


def _counts(crm: Crm, match: ir.BooleanValue) -> dict[str, object]:
    scalars = _scalars(crm, match)
    row = ibis.memtable({"_": [0]}).select(**scalars).execute().iloc[0]
    return {k: row[k] for k in scalars}


def _int(value: object) -> int:
    """A count from a scalar query: a sum over no rows is null, and counts as 0."""
    return 0 if value is None or pd.isna(value) else int(cast(int, value))


def _deals(c: Mapping[str, object]) -> Deals:
    return Deals(open=_int(c["_open"]), won=_int(c["_won"]), lost=_int(c["_lost"]),
                 open_undated=_int(c["_open_undated"]),
                 closed_undated=_int(c["_closed_undated"]), won_dated=_int(c["_won_dated"]),
                 won_priced=_int(c["_won_priced"]), from_leads=_int(c["_from_leads"]),
                 first_created=as_date(c["_first_created"]), owners=_int(c["_owners"]))


def quota_quarters(crm: Crm) -> tuple[Period, ...]:
    """Every calendar quarter a quota row with a positive amount overlaps, in order."""
    q = crm.quotas
    spans = q.filter(q.amount > 0).select("period_start", "period_end").distinct().execute()
    starts = pd.to_datetime(spans["period_start"]).dt.date
    ends = pd.to_datetime(spans["period_end"]).dt.date
    found = {p for s, e in zip(starts, ends, strict=True) for p in quarters(s, e)}
    return tuple(sorted(found, key=lambda p: p.start))


def _monthly(crm: Crm) -> ir.Table:
    parts = []
    for name, table, column in DATED:
        t = table_of(crm, table)
        if t is None:
            continue
        t = t.filter(t[column].notnull())
        at = t[column].cast("timestamp")  # a date column (snapshots) reads as its midnight
        g = t.group_by(month=at.truncate("M").date()).aggregate(
            rows=t.count().cast("int64"), first=at.min(), last=at.max())
        parts.append(g.select(series=ibis.literal(name), month=g.month, rows=g.rows,
                              first=g.first, last=g.last))
    return ibis.union(*parts)


def _series(frame: pd.DataFrame, name: str, table: str, column: str) -> Series:
    part = frame[frame["series"] == name].sort_values("month")
    months = tuple((pd.Timestamp(m).strftime("%Y-%m"), int(n))
                   for m, n in zip(part["month"], part["rows"], strict=True))
    return Series(name=name, table=table, column=column, rows=int(part["rows"].sum()),
                  first=as_date(part["first"].min()) if len(part) else None,
                  last=as_date(part["last"].max()) if len(part) else None, months=months)


def series(crm: Crm) -> tuple[Series, ...]:
    """Rows per month of each dated record (`DATED`), in one query."""
    frame = _monthly(crm).to_pandas()
    return tuple(_series(frame, name, table, column) for name, table, column in DATED
                 if table_of(crm, table) is not None)


def span_of(crm: Crm) -> Span | None:
    """The data's span (`metrics.span.data_span`), or None when nothing is dated yet."""
    try:
        return data_span(crm)
    except UserError:
        return None


def holdings(crm: Crm) -> Holdings:
    """What the workspace holds (see the module)."""
    steps, match = _output_match(crm)
    counts = _counts(crm, match)
    rows = {name: (_int(counts[name]) if name in counts else None) for name in TABLES}
    filled = {name for name, n in rows.items() if n}
    return Holdings(
        rows=rows, span=span_of(crm), deals=_deals(counts), output_steps=steps,
        with_outputs=_int(counts["_with_outputs"]), quota_quarters=quota_quarters(crm),
        series=series(crm), references=tuple(unknown_references(crm, filled=filled)),
        imports=_int(counts.get("_imports")))
