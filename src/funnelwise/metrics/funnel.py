"""The funnel: how many reached each step, and the rate from each step to the next.

Counting a step depends on its kind (see the funnel TOML): activities and outputs by the date
they happened, outcomes by the date achieved, opportunity stages and statuses by the
opportunity's creation date (a cohort). Rates:

- between two opportunity steps, a cohort rate: of the deals that reached step j, those that
  reached j+1 over those that either reached it or closed without it. Deals still open at
  step j have no answer yet and are left out, so recent deals do not drag the rate down.
- otherwise a flow ratio: count at step j+1 over count at step j in the same window.

Both are shrunk toward the parent (see `shrinkage`) with an interval.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from funnelwise.metrics.dimensions import (
    REP_DIMENSIONS,
    check_by,
    count_if,
    filters,
    keyed,
    window,
)
from funnelwise.metrics.progress import opportunity_progress, stage_rank
from funnelwise.metrics.result import MetricResult, sql_of
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL, prior_note, shrink
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Step

DIMENSIONS = ("all", *REP_DIMENSIONS)
COLUMNS = ["key", "parent", "step", "kind", "count", "next_step", "advanced", "dropped", "open",
           "method", "rate", "rate_est", "rate_lo", "rate_hi"]


_NO_COHORT = {c: ibis.null("int64") for c in ("advanced", "dropped", "open")}


def _reached(step: Step, t: ir.Table, crm: Crm) -> ir.BooleanValue:
    if step.kind == "status":
        return t.status == step.status
    return t.reached >= stage_rank(ibis.literal(step.stage), crm.funnel)


def _event_counts(crm: Crm, step: Step, by: str, since: dt.date | None,
                  until: dt.date | None) -> ir.Table:
    """Activities (or outcomes) at one step, counted per group by the date they happened."""
    if step.kind == "outcome":
        t = crm.outcomes
        t = t.filter(t.kind.isin(list(step.kinds)), window(t.achieved_at, since, until))
    else:
        t = crm.activities
        cond = window(t.occurred_at, since, until)
        if step.types:
            cond &= t.type.isin(list(step.types))
        if step.kind == "output":
            cond &= t.output.isin(list(step.outputs))
        t = t.filter(cond)
    g = keyed(crm, t, rep_col="rep_id", by=by)
    counts = g.group_by(["key", "parent"]).aggregate(count=g.count().cast("int64"))
    return counts.mutate(step=ibis.literal(step.name))


def _opportunity_counts(crm: Crm, step: Step, nxt: Step | None, by: str,
                        since: dt.date | None, until: dt.date | None) -> ir.Table:
    o = opportunity_progress(crm)
    o = keyed(crm, o.filter(window(o.created_at, since, until)), rep_col="owner_rep_id", by=by)
    here = _reached(step, o, crm)
    grouped = o.group_by(["key", "parent"])
    if nxt is None or not nxt.is_opportunity_step:
        return grouped.aggregate(count=count_if(here)).mutate(
            step=ibis.literal(step.name), **_NO_COHORT)
    there = _reached(nxt, o, crm)
    dropped = here & ~there & (o.status != "open")
    opened = here & ~there & (o.status == "open")
    return grouped.aggregate(
        count=count_if(here), advanced=count_if(here & there),
        dropped=count_if(dropped), open=count_if(opened),
    ).mutate(step=ibis.literal(step.name))


def funnel_counts(crm: Crm, *, by: str = "rep", since: dt.date | None = None,
                  until: dt.date | None = None) -> ir.Table:
    """Counts at every step per group, one row per (key, step): `funnelwise funnel`'s query."""
    check_by(by, DIMENSIONS)
    steps = crm.funnel.steps
    parts = []
    for i, step in enumerate(steps):
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        if step.is_opportunity_step:
            part = _opportunity_counts(crm, step, nxt, by, since, until)
        else:
            part = _event_counts(crm, step, by, since, until).mutate(**_NO_COHORT)
        parts.append(part.select("key", "parent", "step", "count", "advanced", "dropped", "open"))
    return ibis.union(*parts)


def _rates(frame: pd.DataFrame, crm: Crm) -> pd.DataFrame:
    """One row per (key, step) with the rate into the next step."""
    steps = crm.funnel.steps
    order = {s.name: i for i, s in enumerate(steps)}
    keys = frame[["key", "parent"]].drop_duplicates()
    grid = keys.merge(pd.DataFrame({"step": [s.name for s in steps]}), how="cross")
    out = grid.merge(frame, on=["key", "parent", "step"], how="left")
    out["count"] = out["count"].fillna(0).astype("int64")
    for col in ("advanced", "dropped", "open"):
        out[col] = pd.to_numeric(out[col]).astype("Int64")
    out["_i"] = out["step"].map(order)
    out = out.sort_values(["key", "_i"]).reset_index(drop=True)
    out["kind"] = out["_i"].map(lambda i: steps[i].kind)
    out["next_step"] = out["_i"].map(lambda i: steps[i + 1].name if i + 1 < len(steps) else None)
    nxt_count = out.groupby("key")["count"].shift(-1)
    cohort = out["_i"].map(lambda i: i + 1 < len(steps) and steps[i].is_opportunity_step
                           and steps[i + 1].is_opportunity_step).astype(bool)
    out["method"] = [("cohort" if c else "ratio") if n is not None else None
                     for c, n in zip(cohort, out["next_step"], strict=True)]
    ratio_k = nxt_count.where(~cohort)
    out["_k"] = out["advanced"].where(cohort, ratio_k)
    out["_n"] = (out["advanced"] + out["dropped"]).where(cohort, out["count"])
    return out


OPEN_NOTE = "Open = reached the step, still open, not yet at the next (left out of the rate)"


def funnel(crm: Crm, *, by: str = "rep", since: dt.date | None = None,
           until: dt.date | None = None, level: float = DEFAULT_LEVEL) -> MetricResult:
    """Funnel counts and step-to-step rates per group, with shrunk estimates and intervals."""
    expr = funnel_counts(crm, by=by, since=since, until=until)
    out = _rates(expr.to_pandas(), crm)
    out["rate"] = (out["_k"] / out["_n"].where(out["_n"] > 0)).astype("float64")
    for col in ("rate_est", "rate_lo", "rate_hi"):
        out[col] = float("nan")
    strengths = []
    for step, part in out[out["next_step"].notna()].groupby("step", sort=False):
        ok = part[(part["_n"] > 0) & (part["_k"] <= part["_n"])]
        if ok.empty:
            continue
        est, m = shrink(ok.assign(_k=ok["_k"].astype(float), _n=ok["_n"].astype(float)),
                        k="_k", n="_n", prefix="rate", level=level)
        out.loc[est.index, ["rate_est", "rate_lo", "rate_hi"]] = est[
            ["rate_est", "rate_lo", "rate_hi"]].to_numpy()
        strengths.append(f"{step} {m:.0f}")
    return MetricResult(
        name="funnel", frame=out[COLUMNS], sql=sql_of(expr),
        filters=filters(by, since, until, funnel=crm.funnel.name,
                        dates="activities by occurred_at, outcomes by achieved_at, "
                              "opportunities by created_at (cohort)"),
        notes=(prior_note(", ".join(strengths), groups=out["key"].nunique(), level=level),
               OPEN_NOTE),
    )
