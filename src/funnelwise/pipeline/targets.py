"""What coverage is measured against: quota for the period, won so far, and value win rates.

- quota: every quota row overlapping the period, counted pro rata to its days of overlap;
- won so far: amounts of deals won from the period's first day up to the review date;
- value win rate w = won amount / closed amount, over deals closed in the `lookback_days`
  before the review date. Value-weighted, because coverage is about money: a rep who wins the
  small deals and loses the big ones needs more pipeline than their count win rate says. It is
  shrunk toward the team like every rate (`metrics.shrinkage`), treating it as k = w n_eff wins
  out of n_eff = (sum a)^2 / sum a^2 effective deals: a history dominated by one large deal
  counts as few deals, not many.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from funnelwise.errors import UserError
from funnelwise.metrics.asof import AsOf
from funnelwise.metrics.dimensions import keyed, window
from funnelwise.metrics.shrinkage import shrink
from funnelwise.periods import Period
from funnelwise.plan.quotas import pro_rata
from funnelwise.schema.crm import Crm


def quotas(crm: Crm, period: Period, by: str) -> pd.DataFrame:
    """Per group: the quota for the period (quota rows pro rata to their overlap)."""
    frame, _ = pro_rata(crm, period, by)
    if frame.empty:
        raise UserError(f"no quota overlaps {period.label} ({period.start} to {period.end}); "
                        "import quotas.csv (rep_id, period_start, period_end, amount) or pick "
                        "another --period")
    return frame


def won_so_far(crm: Crm, period: Period, snap: AsOf, by: str) -> ir.Table:
    """Per group: amount won from the period's first day up to (not including) the as-of day."""
    o = crm.opportunities
    until = min(period.end, snap.day - dt.timedelta(days=1))
    o = o.filter(o.status == "won", window(o.closed_at, period.start, until))
    g = keyed(crm, o, rep_col="owner_rep_id", by=by)
    return g.group_by("key").aggregate(won=g.amount.fill_null(0.0).sum())


def value_counts(crm: Crm, snap: AsOf, lookback_days: int, by: str) -> ir.Table:
    """Per group: closed deals in the look-back window, won and closed amounts, sum of squares."""
    o = crm.opportunities
    since = snap.day - dt.timedelta(days=lookback_days)
    o = o.filter(o.status.isin(["won", "lost"]),
                 window(o.closed_at, since, snap.day - dt.timedelta(days=1)))
    g = keyed(crm, o, rep_col="owner_rep_id", by=by)
    a = g.amount.fill_null(0.0)
    return g.group_by(["key", "parent"]).aggregate(
        closed=g.count(), won_value=ibis.ifelse(g.status == "won", a, 0.0).sum(),
        closed_value=a.sum(), square_value=(a * a).sum())


def value_rates(counts: pd.DataFrame, *, level: float,
                prior_strength: float | None) -> tuple[pd.DataFrame, float]:
    """Add `value_win_rate`, `win_rate` (shrunk), `win_rate_lo`, `win_rate_hi`, `n_eff`."""
    c = counts.copy()
    total = c["closed_value"].where(c["closed_value"] > 0)
    c["value_win_rate"] = c["won_value"] / total
    c["n_eff"] = (total ** 2 / c["square_value"].where(c["square_value"] > 0)).fillna(0.0)
    c["k_eff"] = (c["value_win_rate"] * c["n_eff"]).fillna(0.0)
    out, m = shrink(c, k="k_eff", n="n_eff", prefix="win_rate", level=level,
                    prior_strength=prior_strength)
    return out.rename(columns={"win_rate_est": "win_rate"}), m
