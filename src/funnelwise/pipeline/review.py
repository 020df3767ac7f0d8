"""Evidence-based pipeline review: every open deal with its flags, and three values side by side.

- raw value: the sum of the open deals' amounts;
- qualified value: the same over deals with no disqualifying flag (by default: no customer
  activity for a month, a required customer outcome missing, an amount far above the rep's
  history), the pipeline that has evidence behind it;
- realistic value: sum(amount x win probability), the chance of a win in the end learnt from
  the pipelines of past days by stage, age, days in stage, flags and rep (`probability`).

Totals per rep, per team and for everyone. The "qualify out" list is the disqualified deals,
largest first: the value at stake in taking them out of the forecast. `as_of` replays all of it
on an earlier date (see `snapshot`), learning only from deals closed before it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from funnelwise.errors import unknown_name
from funnelwise.formats import named, pct
from funnelwise.frames import rows
from funnelwise.metrics.asof import AsOf
from funnelwise.metrics.asof import as_of as view_at
from funnelwise.metrics.dimensions import ALL, NONE
from funnelwise.metrics.result import sql_reading
from funnelwise.pipeline.config import ReviewConfig, review_config
from funnelwise.pipeline.flags import run_rules
from funnelwise.pipeline.landmarks import Pipeline
from funnelwise.pipeline.probability import WinModel, fit
from funnelwise.pipeline.rules import Context, disqualifies, rules
from funnelwise.pipeline.snapshot import in_memory, open_deals
from funnelwise.schema.crm import Crm

DEAL_COLUMNS = ["opportunity_id", "rep", "team", "stage", "amount", "created_at", "age_days",
                "stage_days", "expected_close_date", "probability", "realistic_value",
                "qualified", "flag_count", "flags"]
# deals by rep, largest first (the order every engine gives, nulls last)
DEAL_ORDER = [ibis.asc("rep", nulls_first=False), ibis.desc("amount", nulls_first=False),
              ibis.asc("opportunity_id", nulls_first=False)]
TOTAL_COLUMNS = ["level", "key", "team", "deals", "raw_value", "qualified_value",
                 "realistic_value", "disqualified_deals", "flagged_deals"]


@dataclass(frozen=True)
class Review:
    """The reviewed pipeline: deals (with flags), flags (one row each), totals, notes, SQL;
    `rep` when narrowed to one rep's deals (`for_rep`)."""

    at: AsOf
    config: ReviewConfig
    deals: pd.DataFrame
    flags: pd.DataFrame
    totals: pd.DataFrame
    notes: tuple[str, ...] = ()
    exprs: dict[str, ir.Table] = field(default_factory=dict)
    reps: tuple[str, ...] = ()
    views: dict[str, ir.Table] = field(default_factory=dict)
    rep: str | None = None

    def sql(self) -> dict[str, str]:
        """The SQL of every query behind the review (`--explain`), compiled on demand. The
        rules read the open deals fetched once (`views`: in-memory table -> its query), so
        their SQL starts with that query under the name they read it by."""
        return {name: sql_reading(expr, self.views) for name, expr in self.exprs.items()}

    def qualify_out(self) -> pd.DataFrame:
        """Deals with a disqualifying flag, by value at stake (amount), largest first."""
        out = self.deals[~self.deals["qualified"]]
        return out.sort_values(["amount", "opportunity_id"], ascending=[False, True])


def _flag_lists(flags: pd.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """Each deal's flags as the records a reader sees: disqualifying first, then by rule."""
    lists: dict[str, list[dict[str, Any]]] = {}
    ordered = flags.sort_values(["disqualifying", "rule"], ascending=[False, True],
                                kind="stable")
    for f in rows(ordered, ["opportunity_id", "rule", "rule_label", "evidence", "disqualifying",
                            "value", "threshold"]):
        deal, value, threshold = f.pop("opportunity_id"), f["value"], f["threshold"]
        f["value"] = None if value != value else value
        f["threshold"] = None if threshold != threshold else threshold
        lists.setdefault(deal, []).append(f)
    return lists


def _deals(raw: pd.DataFrame, flags: pd.DataFrame, model: WinModel | None,
           teams: pd.Series) -> pd.DataFrame:
    d = raw.copy()
    d["opportunity_id"] = d["opportunity_id"].astype(str)
    d["team"] = d["rep"].map(teams).fillna(NONE)
    d["probability"] = model.probability(d, flags) if model else np.nan
    d["realistic_value"] = d["amount"] * d["probability"]
    lists = _flag_lists(flags)
    per_deal = [lists.get(i) or [] for i in d["opportunity_id"].tolist()]
    # an object array built item by item: pandas would read a list of lists as rows
    d["flags"] = np.fromiter(per_deal, dtype=object, count=len(per_deal))
    d["flag_count"] = np.array([len(f) for f in per_deal], dtype="int64")
    bad = flags.loc[flags["disqualifying"], "opportunity_id"].unique()
    d["qualified"] = ~d["opportunity_id"].isin(bad)
    return d[DEAL_COLUMNS].reset_index(drop=True)


def _sum(d: pd.DataFrame, level: str, key: str) -> pd.DataFrame:
    g = d.groupby(key, dropna=False)
    out = g.agg(deals=("amount", "size"), raw_value=("amount", "sum"),
                qualified_value=("_q", "sum"), realistic_value=("realistic_value", "sum"),
                disqualified_deals=("_dq", "sum"), flagged_deals=("_f", "sum"))
    out = out.reset_index().rename(columns={key: "key"})
    teams = d.groupby("rep")["team"].first()
    out["team"] = {"rep": out["key"].map(teams), "team": out["key"]}.get(level)
    return out.assign(level=level)


def totals(deals: pd.DataFrame) -> pd.DataFrame:
    """Raw, qualified and realistic value per rep, per team and for everyone."""
    d = deals.assign(_q=np.where(deals["qualified"], deals["amount"], 0.0),
                     _dq=~deals["qualified"], _f=deals["flag_count"] > 0, _all=ALL)
    parts = [_sum(d, "rep", "rep"), _sum(d, "team", "team"), _sum(d, "all", "_all")]
    out = pd.concat(parts, ignore_index=True)
    for col in ("deals", "disqualified_deals", "flagged_deals"):
        out[col] = out[col].astype("int64")
    return out[TOTAL_COLUMNS]


def _model_note(model: WinModel | None) -> tuple[str, ...]:
    if model is None:
        return ()
    rate = f"the team's share won of deals closed before it, {pct(model.p_all)}"
    if model.fitted_ is None:
        return (f"win probability: {rate} (too few won and lost deals in the pipelines of "
                "past days to learn from)",)
    days = model.landmarks
    return (f"win probability: the chance of a win in the end by stage, age, days in stage, "
            f"the review's flags and rep, learnt from the {len(days)} pipelines of "
            f"{days[0].isoformat()} to {days[-1].isoformat()} ({model.deals:,} deals; those "
            f"still open counted as their expected outcome); weight {pct(model.trust)} against "
            f"{rate}",)


def _bare_note(snap: AsOf, bare: int) -> tuple[str, ...]:
    if snap.now or not bare:
        return ()
    return (f"{bare:,} of these deals have no stage history before {snap.day.isoformat()}: "
            "they are placed at the funnel's first open stage, not the stage they reached later",)


def _notes(snap: AsOf, config: ReviewConfig, model: WinModel | None,
           skipped: tuple[str, ...], bare: int) -> tuple[str, ...]:
    rules_out = [named(r.name, r.label) for r in rules() if disqualifies(r, config)]
    return (
        "pipeline " + snap.describe() + "; thresholds and probabilities learnt only from deals "
        "closed before it",
        *_bare_note(snap, bare),
        "disqualifying rules (a flag takes the deal out of qualified value): "
        + (", ".join(rules_out) or "none"),
        *_model_note(model), *skipped,
    )


def review(crm: Crm, *, as_of: dt.date | None = None, config: ReviewConfig | None = None,
           realistic: bool = True, at: AsOf | None = None) -> Review:
    """Review the pipeline open at `as_of` (default: the data's today; `at` when the caller
    resolved the view already); `realistic` False leaves out the win probabilities."""
    snap = at or view_at(crm, as_of)
    config = config or review_config(crm.funnel)
    expr = open_deals(crm, snap)
    raw = expr.order_by(DEAL_ORDER).to_pandas()
    fetched = in_memory(raw, expr.schema())
    flags = run_rules(Context(crm=crm, snap=snap, deals=fetched, config=config))
    model = fit(crm, snap, config=config, current=Pipeline(
        day=snap.day, deals=raw.assign(opportunity_id=raw["opportunity_id"].astype(str)),
        flags=flags.frame)) if realistic else None
    reps = crm.reps.select("rep_id", "team").to_pandas()
    deals = _deals(raw, flags.frame, model,
                   reps.set_index("rep_id")["team"].fillna(NONE))
    return Review(at=snap, config=config, deals=deals, flags=flags.frame,
                  totals=totals(deals),
                  notes=_notes(snap, config, model, flags.skipped, int(raw["bare"].sum())),
                  exprs={"open_deals": expr, **(model.exprs if model else {}), **flags.exprs},
                  reps=tuple(sorted(set(reps["rep_id"].astype(str)) | set(deals["rep"]))),
                  views={fetched.get_name(): expr})


def check_rep(crm: Crm, rep: str) -> str:
    """`rep` if it is a rep or a deal owner of the workspace, else a user error."""
    r, o = crm.reps, crm.opportunities
    ids = ibis.union(r.select(rep=r.rep_id), o.select(rep=o.owner_rep_id)).distinct()
    known = [str(v) for v in ids.to_pandas()["rep"].dropna()]
    if rep not in known:
        raise unknown_name("rep", rep, known)
    return rep


def for_rep(result: Review, rep: str) -> Review:
    """The review narrowed to one rep: their deals and flags, their totals and their team's."""
    if rep not in result.reps:
        raise unknown_name("rep", rep, result.reps)
    deals = result.deals[result.deals["rep"] == rep]
    team = deals["team"].iloc[0] if len(deals) else None
    t = result.totals
    keep = ((t["level"] == "rep") & (t["key"] == rep)) | ((t["level"] == "team")
                                                          & (t["key"] == team))
    flags = result.flags[result.flags["opportunity_id"].isin(deals["opportunity_id"])]
    return replace(result, deals=deals.reset_index(drop=True), flags=flags,
                   totals=t[keep].reset_index(drop=True), rep=rep)
