"""The canonical tables, in Arrow, from the simulated arrays.

Leads, opportunities, activities and outcomes are numbered in time order (ties keep generation
order); stage history and close date history are ordered by opportunity then time. Activities
and outcomes outside the data window [start, end) are not written. Close date history has two
rows per pushed deal: its first forecast, set at creation, and the pushed date, set at 09:00 the
day after the first forecast passed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from funnelwise.simulate.calls import categories
from funnelwise.simulate.columns import (
    dates,
    format_ids,
    id_width,
    ids_in_order,
    labels,
    refs,
    time_order,
    timestamps,
)
from funnelwise.simulate.config import (
    ACTIVITY_TYPES,
    DAY,
    OUTCOME_KINDS,
    OUTPUTS,
    PRODUCTS,
    SOURCES,
    STAGES,
)
from funnelwise.simulate.deals import Rows
from funnelwise.simulate.opps import Opps, current_stage, pushed, stage_history, status_codes
from funnelwise.simulate.outreach import Leads
from funnelwise.simulate.people import Accounts, Roster, accounts_table, reps_table

STATUS_WORDS = ("open", "won", "lost")


@dataclass(frozen=True)
class Ids:
    """Id strings of reps, accounts, leads and opportunities, indexed by array position."""

    rep: pa.Array
    account: pa.Array
    lead: pa.Array
    opp: pa.Array


def _leads(leads: Leads, ids: Ids, order: np.ndarray) -> pa.Table:
    return pa.table({
        "lead_id": refs(ids.lead, order),
        "created_at": timestamps(leads.t[order]),
        "source": labels(SOURCES, leads.source[order]),
        "owner_rep_id": refs(ids.rep, leads.rep[order]),
        "account_id": refs(ids.account, leads.account[order]),
    })


def _opportunities(opps: Opps, leads: Leads, ids: Ids, order: np.ndarray,
                   end_s: int) -> pa.Table:
    o = opps.take(order)
    status = status_codes(o, end_s)
    stage = current_stage(o, end_s)
    lead = o.lead
    return pa.table({
        "opportunity_id": refs(ids.opp, order),
        "owner_rep_id": refs(ids.rep, o.rep),
        "account_id": refs(ids.account, leads.account[lead]),
        "lead_id": refs(ids.lead, lead),
        "source": labels(SOURCES, leads.source[lead]),
        "product": labels(PRODUCTS, o.product),
        "created_at": timestamps(o.created),
        "stage": labels(STAGES, stage),
        "amount": pa.array(o.amount.astype(np.float64)),
        "expected_close_date": dates(o.expected_close),
        "status": labels(STATUS_WORDS, status),
        "closed_at": timestamps(o.close_t, valid=status > 0),
        "forecast_category": categories(stage),
    })


def _stage_history(opps: Opps, ids: Ids, rank: np.ndarray, end_s: int) -> pa.Table:
    opp, stage, t = stage_history(opps, end_s)
    order = np.lexsort((t, rank[opp]))
    return pa.table({
        "opportunity_id": refs(ids.opp, opp[order]),
        "stage": labels(STAGES, stage[order]),
        "entered_at": timestamps(t[order]),
    })


def _close_date_history(opps: Opps, ids: Ids, rank: np.ndarray, end_s: int) -> pa.Table:
    moved = np.flatnonzero(pushed(opps))
    created = opps.created[moved]
    first = opps.first_close[moved]
    push_t = np.clip((first + 1) * DAY + 9 * 3600, created + 1, end_s - 1)
    opp = np.concatenate([moved, moved])
    t = np.concatenate([created, push_t])
    day = np.concatenate([first, opps.expected_close[moved]])
    order = np.lexsort((t, rank[opp]))
    return pa.table({
        "opportunity_id": refs(ids.opp, opp[order]),
        "changed_at": timestamps(t[order]),
        "expected_close_date": dates(day[order]),
    })


def _window(rows: Rows, start_s: int, end_s: int) -> Rows:
    keep = (rows["t"] >= start_s) & (rows["t"] < end_s)
    if bool(keep.all()):
        return rows
    return {k: v[keep] for k, v in rows.items()}


def _activities(rows: Rows, leads: Leads, ids: Ids) -> pa.Table:
    order = time_order(rows["t"])
    lead = rows["lead"][order]
    return pa.table({
        "activity_id": format_ids("A", np.arange(order.shape[0]), id_width(order.shape[0], 7)),
        "rep_id": refs(ids.rep, rows["rep"][order]),
        "type": labels(ACTIVITY_TYPES, rows["type"][order]),
        "occurred_at": timestamps(rows["t"][order]),
        "lead_id": refs(ids.lead, lead),
        "opportunity_id": refs(ids.opp, rows["opp"][order]),
        "account_id": refs(ids.account, leads.account[lead]),
        "output": labels(OUTPUTS, rows["output"][order]),
    })


def _outcomes(rows: Rows, ids: Ids) -> pa.Table:
    order = time_order(rows["t"])
    return pa.table({
        "outcome_id": format_ids("OC", np.arange(order.shape[0]),
                                 id_width(order.shape[0], 6)),
        "kind": labels(OUTCOME_KINDS, rows["kind"][order]),
        "achieved_at": timestamps(rows["t"][order]),
        "rep_id": refs(ids.rep, rows["rep"][order]),
        "lead_id": refs(ids.lead, rows["lead"][order]),
        "opportunity_id": refs(ids.opp, rows["opp"][order]),
    })


def build_tables(roster: Roster, accounts: Accounts, leads: Leads, opps: Opps,
                 activities: Rows, outcomes: Rows, quotas: pa.Table,
                 window: tuple[int, int]) -> tuple[dict[str, pa.Table], pa.Array]:
    """The canonical tables, and the opportunity ids by opportunity position."""
    reps = len(roster.rep_names)
    lead_ids, lead_order = ids_in_order("L", leads.t, 6)
    opp_ids, opp_order = ids_in_order("OP", opps.created, 5)
    ids = Ids(rep=format_ids("R", np.arange(reps), id_width(reps, 3)),
              account=format_ids("AC", np.arange(accounts.count), id_width(accounts.count, 4)),
              lead=lead_ids, opp=opp_ids)
    rank = np.empty_like(opp_order)
    rank[opp_order] = np.arange(opp_order.shape[0])
    start_s, end_s = window
    tables = {
        "reps": reps_table(roster, ids.rep),
        "accounts": accounts_table(accounts, ids.account),
        "leads": _leads(leads, ids, lead_order),
        "opportunities": _opportunities(opps, leads, ids, opp_order, end_s),
        "stage_history": _stage_history(opps, ids, rank, end_s),
        "activities": _activities(_window(activities, start_s, end_s), leads, ids),
        "outcomes": _outcomes(_window(outcomes, start_s, end_s), ids),
        "quotas": quotas,
        "close_date_history": _close_date_history(opps, ids, rank, end_s),
    }
    return tables, opp_ids
