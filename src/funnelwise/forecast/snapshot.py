"""What the built-in forecasters read, fetched for one or many as-of days in a few queries.

A snapshot is the CRM as it stood at the start of one day (`metrics.asof`), reduced to small
frames: the open deals, the stage spells counted by age bin, closed deals by furthest stage,
won and lost deals per rep, and the deals created and won in the trailing windows. A backtest
takes the snapshots of all its origins at once (each query carries an `origin` column), so its
cost hardly grows with the number of origins.

Trailing windows: `creation_days` (91) for creation rates and deal sizes, `run_rate_days`
(182) for the run rate; both are cut to the history before the day when it is shorter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from funnelwise.forecast.spells import SpellCounts, counts_of, reached, spell_summary
from funnelwise.metrics.asof import age_at, crm_as_of, opportunities_at, origin_table
from funnelwise.metrics.dimensions import count_if, keyed, without
from funnelwise.metrics.span import as_date, data_span
from funnelwise.schema.crm import Crm

BIN_DAYS = 7.0
SPARE_DAYS = 731.0
MAX_BINS = 400


@dataclass(frozen=True)
class Windows:
    """Trailing windows (days) and the survival model's age bins."""

    creation_days: int = 91
    run_rate_days: int = 182
    bin_days: float = BIN_DAYS


@dataclass(frozen=True)
class Snapshot:
    """The CRM at the start of `as_of`, as the frames the forecasters read.

    `history` is the CRM the snapshot was taken from (`view()` rewinds it); `today` the
    data's (`metrics.span`);

    - `open`: opportunity_id, owner_rep_id, stage, amount (missing = 0), age (days);
    - `spells`: survival counts; `reached`: closed deals per furthest stage (won, closed);
    - `results`: per rep (`key`) and team (`parent`), won and lost deals;
    - `created`, `won`: owner_rep_id and amount of deals created / won in the trailing windows,
      whose lengths are `creation_days` and `run_rate_days`.
    """

    as_of: dt.date
    history: Crm
    today: dt.date
    open: pd.DataFrame
    spells: SpellCounts
    reached: pd.DataFrame
    results: pd.DataFrame
    created: pd.DataFrame
    won: pd.DataFrame
    creation_days: int
    run_rate_days: int
    first_created: dt.date | None
    bare: int = 0
    """Open deals with no stage history before `as_of`: placed at the first open stage."""

    def view(self) -> Crm:
        """The whole CRM rewound to the start of `as_of` (a lazy expression)."""
        return crm_as_of(self.history, self.as_of, today=self.today)


def _window(first: dt.date | None, day: dt.date, days: int) -> int:
    """The trailing window's length: `days`, or less when the history before `day` is shorter."""
    if first is None:
        return days
    return max(1, min(days, (day - first).days))


def _bins(first: dt.date | None, last: dt.date, bin_days: float) -> int:
    oldest = float((last - first).days) if first else 0.0
    return int(min(MAX_BINS, np.ceil((oldest + SPARE_DAYS) / bin_days) + 1))


def _trailing(o: ir.Table, when: str, since: str, status: str | None) -> pd.DataFrame:
    rows = o.filter(o[when].notnull(), o[when] >= o[since])
    if status:
        rows = rows.filter(rows.status == status)
    return rows.select("origin", "opportunity_id", "owner_rep_id",
                       amount=rows.amount.fill_null(0.0)).order_by(
        ["origin", "opportunity_id"]).to_pandas()


def _results(crm: Crm, o: ir.Table) -> pd.DataFrame:
    k = keyed(crm, o.filter(o.status.isin(["won", "lost"])), rep_col="owner_rep_id", by="rep")
    return k.group_by(["origin", "key", "parent"]).aggregate(
        won=count_if(k.status == "won"), lost=count_if(k.status == "lost")).order_by(
        ["origin", "key"]).to_pandas()


def _open(o: ir.Table) -> pd.DataFrame:
    """Open deals that can be aged (a deal without a creation date cannot)."""
    o = o.filter(o.status == "open", o.created_at.notnull())
    return o.select("origin", "opportunity_id", "owner_rep_id", "stage",
                    amount=o.amount.fill_null(0.0), age=age_at(o)).order_by(
        ["origin", "opportunity_id"]).to_pandas()


def _part(frame: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    return frame[frame["origin"] == pd.Timestamp(day)].drop(columns="origin").reset_index(
        drop=True)


def with_stages(crm: Crm) -> Crm:
    """A funnel without open stages is read as one open stage, `open`."""
    if crm.funnel.stages:
        return crm
    o = crm.opportunities
    return dataclasses.replace(
        crm, funnel=dataclasses.replace(crm.funnel, stages=("open",)),
        opportunities=o.mutate(stage=ibis.ifelse(o.status == "open", "open", o.stage)))


def take_many(crm: Crm, days: Sequence[dt.date], windows: Windows = Windows(), *,
              today: dt.date | None = None) -> list[Snapshot]:
    """Snapshots of every day in `days` (a handful of queries whatever their number)."""
    crm = with_stages(crm)
    today = today or data_span(crm).today
    first = as_date(crm.opportunities.created_at.min().execute())
    created_days = [_window(first, d, windows.creation_days) for d in days]
    run_days = [_window(first, d, windows.run_rate_days) for d in days]
    origins = origin_table(
        days, created_since=[d - dt.timedelta(days=n) for d, n in zip(days, created_days,
                                                                       strict=True)],
        won_since=[d - dt.timedelta(days=n) for d, n in zip(days, run_days, strict=True)])
    seen = opportunities_at(crm, origins, today=today)
    opps = without(seen, "stage_entered_at", "bare")
    unknown = seen.filter(seen.status == "open", seen.bare)
    bare = unknown.group_by("origin").aggregate(n=unknown.count()).to_pandas()
    bare_on = {pd.Timestamp(o).date(): int(n) for o, n in zip(bare["origin"], bare["n"],
                                                              strict=True)}
    since = origins.select(_o=origins.origin, created_since=origins.created_since,
                           won_since=origins.won_since)
    o = opps.inner_join(since, opps.origin == since._o)
    bins = _bins(first, max(days), windows.bin_days)
    frames = {
        "open": _open(opps),
        "spells": spell_summary(crm, origins, opps, bin_days=windows.bin_days, bins=bins)
        .order_by(["origin", "state", "bin_in", "bin_out", "to", "first"]).to_pandas(),
        "reached": reached(crm, origins, opps).order_by(["origin", "reached"]).to_pandas(),
        "results": _results(crm, opps),
        "created": _trailing(o, "created_at", "created_since", None),
        "won": _trailing(o, "closed_at", "won_since", "won"),
    }
    return [Snapshot(
        as_of=d, history=crm, today=today, open=_part(frames["open"], d),
        spells=counts_of(_part(frames["spells"], d), states=crm.funnel.stages,
                         bin_days=windows.bin_days, bins=bins),
        reached=_part(frames["reached"], d), results=_part(frames["results"], d),
        created=_part(frames["created"], d), won=_part(frames["won"], d),
        creation_days=created_days[i], run_rate_days=run_days[i], first_created=first,
        bare=bare_on.get(d, 0),
    ) for i, d in enumerate(days)]


def take(crm: Crm, day: dt.date, windows: Windows = Windows(), *,
         today: dt.date | None = None) -> Snapshot:
    """The snapshot of one day."""
    return take_many(crm, [day], windows, today=today)[0]
