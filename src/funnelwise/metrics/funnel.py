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
from funnelwise.metrics.progress import opportunity_progress
from funnelwise.metrics.result import MetricResult, sql_of
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL, prior_note, shrink
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Step

DIMENSIONS = ("all", *REP_DIMENSIONS)
COLUMNS = ["key", "parent", "step", "kind", "count", "next_step", "advanced", "dropped", "open",
           "method", "rate", "rate_est", "rate_lo", "rate_hi"]


COHORT = ("advanced", "dropped", "open")


def _rank(step: Step, crm: Crm) -> int:
    """A stage step's position among the open stages (0 for the first; -1 if not ranked)."""
    stages = crm.funnel.stages
    return stages.index(step.stage) if step.stage in stages else -1


def reached_step(step: Step, t: ir.Table, crm: Crm) -> ir.BooleanValue:
    if step.kind == "status":
        return t.status == step.status
    return t.reached >= _rank(step, crm)


def event_match(step: Step, t: ir.Table) -> ir.BooleanValue:
    """Whether an activity (or outcome) row counts at an activity, output or outcome step."""
    if step.kind == "outcome":
        return t.kind.isin(list(step.kinds))
    cond = ibis.literal(True)
    if step.types:
        cond &= t.type.isin(list(step.types))
    if step.kind == "output":
        cond &= t.output.isin(list(step.outputs))
    return cond


def _group_sums(crm: Crm, t: ir.Table, rep_col: str, by: str,
                counts: dict[str, ir.IntegerScalar]) -> ir.Table:
    """`counts` per (key, parent): counted per rep first, then summed over the group's reps.

    Counts add up, so the large table is aggregated once by its rep column and only the small
    per-rep result is joined to the reps table.
    """
    per_rep = t.group_by(rep_col).aggregate(**counts)
    g = keyed(crm, per_rep, rep_col=rep_col, by=by)
    return g.group_by(["key", "parent"]).aggregate(
        **{c: g[c].sum().cast("int64") for c in counts})


def column(i: int, figure: str) -> str:
    """Column of `funnel_counts` holding `figure` (count, advanced, ...) of the i-th step."""
    return f"s{i}_{figure}"


def _event_counts(crm: Crm, steps: list[tuple[int, Step]], table: ir.Table, date_col: str,
                  by: str, since: dt.date | None, until: dt.date | None) -> ir.Table | None:
    """Activity, output or outcome steps counted in one pass over their table.

    The rows are first counted per (rep, type, output) (or (rep, kind) for outcomes): a few
    thousand combinations, on which each step's condition is then a sum.
    """
    if not steps:
        return None
    t = table.filter(window(table[date_col], since, until))
    cols = ["kind"] if steps[0][1].kind == "outcome" else ["type", "output"]
    per = t.group_by(["rep_id", *cols]).aggregate(_n=t.count())
    counts = {column(i, "count"): ibis.ifelse(event_match(step, per), per._n, 0).sum()
              for i, step in steps}
    return _group_sums(crm, per, "rep_id", by, counts)


def _opportunity_counts(crm: Crm, steps: list[tuple[int, Step]], by: str,
                        since: dt.date | None, until: dt.date | None) -> ir.Table | None:
    """Stage and status steps counted in one pass over the opportunities (a creation cohort)."""
    if not steps:
        return None
    all_steps = crm.funnel.steps
    later_stage = any(s.kind == "stage" and _rank(s, crm) > 0 for s in all_steps)
    if later_stage:
        o = opportunity_progress(crm)
    else:  # every deal has reached the first stage: no need to read the stage history
        o = crm.opportunities.mutate(reached=ibis.literal(0, "int64"))
    o = o.filter(window(o.created_at, since, until))
    counts: dict[str, ir.IntegerScalar] = {}
    for i, step in steps:
        here = reached_step(step, o, crm)
        counts[column(i, "count")] = count_if(here)
        nxt = all_steps[i + 1] if i + 1 < len(all_steps) else None
        if nxt is not None and nxt.is_opportunity_step:
            there = reached_step(nxt, o, crm)
            counts[column(i, "advanced")] = count_if(here & there)
            counts[column(i, "dropped")] = count_if(here & ~there & (o.status != "open"))
            counts[column(i, "open")] = count_if(here & ~there & (o.status == "open"))
    return _group_sums(crm, o, "owner_rep_id", by, counts)


def funnel_counts(crm: Crm, *, by: str = "rep", since: dt.date | None = None,
                  until: dt.date | None = None) -> ir.Table:
    """Counts at every step, one row per group: `funnelwise funnel`'s query.

    Column `s<i>_count` counts the i-th step of the funnel (from 0); a step followed by
    another opportunity step also has `s<i>_advanced`, `s<i>_dropped` and `s<i>_open`. Each
    source table is read once: activities for activity and output steps, outcomes for outcome
    steps, opportunities (with their stage history when needed) for stage and status steps;
    the per-group results are then put side by side.
    """
    check_by(by, DIMENSIONS)
    steps = list(enumerate(crm.funnel.steps))
    parts = [p for p in (
        _event_counts(crm, [(i, s) for i, s in steps if s.kind in ("activity", "output")],
                      crm.activities, "occurred_at", by, since, until),
        _event_counts(crm, [(i, s) for i, s in steps if s.kind == "outcome"],
                      crm.outcomes, "achieved_at", by, since, until),
        _opportunity_counts(crm, [(i, s) for i, s in steps if s.is_opportunity_step],
                            by, since, until),
    ) if p is not None]
    if len(parts) == 1:
        return parts[0]
    figures = [c for p in parts for c in p.columns if c not in ("key", "parent")]
    stacked = ibis.union(*[p.select("key", "parent", **{
        c: p[c] if c in p.columns else ibis.null("int64") for c in figures}) for p in parts])
    return stacked.group_by(["key", "parent"]).aggregate(
        **{c: stacked[c].sum().cast("int64") for c in figures})


def _long(wide: pd.DataFrame, crm: Crm) -> pd.DataFrame:
    """One row per (group, step) with a count, from `funnel_counts`' one row per group."""
    frames = []
    for i, step in enumerate(crm.funnel.steps):
        part = pd.DataFrame({"key": wide["key"], "parent": wide["parent"], "step": step.name,
                             "count": wide[column(i, "count")].fillna(0)})
        for figure in COHORT:
            name = column(i, figure)
            part[figure] = wide.get(name, pd.NA)
        frames.append(part[part["count"] > 0])
    return pd.concat(frames, ignore_index=True)


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
    out = _rates(_long(expr.to_pandas(), crm), crm)
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
