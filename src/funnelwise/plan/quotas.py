"""Quota for a period: every quota row overlapping it, counted pro rata to its days inside.

    quota(group, period) = sum over the group's quota rows r of amount_r x overlap_r / days_r

with days_r the row's days (period_start to period_end, both included) and overlap_r those
inside the period. A quarterly quota of 300k read for one month of it counts 100k.
"""

from __future__ import annotations

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from funnelwise.metrics.dimensions import keyed, overlaps_days
from funnelwise.periods import Period
from funnelwise.schema.crm import Crm


def pro_rata(crm: Crm, period: Period, by: str) -> tuple[pd.DataFrame, ir.Table]:
    """Per group of `by` (key, parent): the quota for the period, groups with none left out;
    and the query of the quota rows read. Empty when no quota row overlaps the period."""
    q = crm.quotas
    q = q.filter(overlaps_days(q.period_start, q.period_end, period.start, period.end))
    expr = keyed(crm, q, rep_col="rep_id", by=by).select(
        "key", "parent", "period_start", "period_end", "amount")
    frame = expr.to_pandas()
    starts = pd.to_datetime(frame["period_start"]).dt.date
    ends = pd.to_datetime(frame["period_end"]).dt.date
    share = [period.overlap_days(s, e) / ((e - s).days + 1)
             for s, e in zip(starts, ends, strict=True)]
    frame["quota"] = frame["amount"] * np.array(share, dtype=float)
    out = frame.groupby(["key", "parent"], as_index=False)["quota"].sum()
    return out[out["quota"] > 0].reset_index(drop=True), expr
