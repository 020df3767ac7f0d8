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
from collections.abc import Callable

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from funnelwise.metrics.dimensions import (
    NONE,
    REP_DIMENSIONS,
    check_by,
    count_if,
    filters,
    keyed,
    window,
)
from funnelwise.metrics.progress import opportunity_progress
from funnelwise.metrics.result import MetricResult, deferred_sql
from funnelwise.metrics.shrinkage import ALL, DEFAULT_LEVEL, prior_note, shrink_counts
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


def _int_array(values: np.ndarray, missing: np.ndarray) -> pd.arrays.IntegerArray:
    """Whole numbers as a nullable Int64 array, NA where `missing`."""
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype("int64"), missing)


def _rates(wide: pd.DataFrame, crm: Crm) -> pd.DataFrame:
    """One row per (group, step), groups in key order and steps in funnel order.

    A group has a row for every step if it counted anything at one of them. Besides the
    columns shown, `_k` and `_n` are what the rate into the next step divides (NaN where
    there is none): the deals that advanced of those with an answer between two opportunity
    steps (a cohort), else the next step's count of this step's.
    """
    steps = crm.funnel.steps
    width = len(steps)
    counts = np.zeros((len(wide), width))
    for i in range(width):
        counts[:, i] = pd.to_numeric(wide[column(i, "count")]).fillna(0).to_numpy(dtype=float)
    rows = np.flatnonzero((counts > 0).any(axis=1))
    keys = wide["key"].iloc[rows].set_axis(rows).sort_values(kind="stable")
    take = np.repeat(keys.index.to_numpy(dtype="int64"), width)
    at = np.tile(np.arange(width), len(keys))
    count = counts[take, at]
    unanswered = count <= 0
    figures: dict[str, np.ndarray] = {}
    for figure in COHORT:
        values = np.full(len(take), np.nan)
        for i in range(width):
            name = column(i, figure)
            if name in wide.columns:
                here = at == i
                given = pd.to_numeric(wide[name]).to_numpy(dtype=float, na_value=np.nan)
                values[here] = given[take[here]]
        figures[figure] = np.where(unanswered, np.nan, values)
    nxt = np.full(len(take), np.nan)
    has_next = at + 1 < width
    nxt[has_next] = counts[take[has_next], at[has_next] + 1]
    nxt[wide["key"].isna().to_numpy()[take]] = np.nan
    cohort_step = np.array([i + 1 < width and steps[i].is_opportunity_step
                            and steps[i + 1].is_opportunity_step for i in range(width)], bool)
    cohort = cohort_step[at]
    next_names = np.array([steps[i + 1].name if i + 1 < width else None for i in range(width)],
                          dtype=object)
    methods = np.array([("cohort" if cohort_step[i] else "ratio") if i + 1 < width else None
                        for i in range(width)], dtype=object)
    out = pd.DataFrame({
        "key": wide["key"].take(take).reset_index(drop=True),
        "parent": wide["parent"].take(take).reset_index(drop=True),
        "step": np.array([s.name for s in steps], dtype=object)[at],
        "kind": np.array([s.kind for s in steps], dtype=object)[at],
        "count": count.astype("int64"),
        "next_step": next_names[at],
        **{f: _int_array(v, np.isnan(v)) for f, v in figures.items()},
        "method": methods[at],
    })
    out["_k"] = np.where(cohort, figures["advanced"], nxt)
    out["_n"] = np.where(cohort, figures["advanced"] + figures["dropped"], count)
    return out


OPEN_NOTE = "Open = reached the step, still open, not yet at the next (left out of the rate)"


def rolled_up(counts: pd.DataFrame, to: str) -> pd.DataFrame:
    """`funnel_counts` by team (`to="team"`, from counts by rep) or for everyone (`"all"`,
    from counts by any grouping), without reading the data again: counts add up.

    A rep's team is its `parent`; a rep without one (parent `(all)`) is in `(none)`, as
    `funnel_counts(by="team")` puts it. A figure stays missing where it is missing for every
    group summed, as in the query.
    """
    check_by(to, ("team", "all"))
    figures = [c for c in counts.columns if c not in ("key", "parent")]
    if to == "all":
        key = pd.Series(ALL, index=counts.index)
    else:
        key = counts["parent"].where(counts["parent"].notna() & (counts["parent"] != ALL), NONE)
    sums = counts[figures].apply(pd.to_numeric).groupby(key).sum(min_count=1)
    out = sums.astype("Int64").rename_axis("key").reset_index()
    out.insert(1, "parent", ALL)
    return out


def funnel(crm: Crm, *, by: str = "rep", since: dt.date | None = None,
           until: dt.date | None = None, level: float = DEFAULT_LEVEL) -> MetricResult:
    """Funnel counts and step-to-step rates per group, with shrunk estimates and intervals."""
    expr = funnel_counts(crm, by=by, since=since, until=until)
    return funnel_of(crm, expr.to_pandas(), sql=deferred_sql(expr), by=by, since=since,
                     until=until, level=level)


def funnel_of(crm: Crm, counts: pd.DataFrame, *, sql: str | Callable[[], str], by: str,
              since: dt.date | None, until: dt.date | None,
              level: float = DEFAULT_LEVEL) -> MetricResult:
    """`funnel` from its counts already fetched (or `rolled_up` from a finer grouping's);
    `sql` is the query they came from."""
    out = _rates(counts, crm)
    k = out["_k"].to_numpy()
    n = out["_n"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate"] = k / np.where(n > 0, n, np.nan)
    est, lo, hi = (np.full(len(out), np.nan) for _ in range(3))
    steps = crm.funnel.steps
    at = np.arange(len(out)) % len(steps)
    parents = out["parent"].astype(object).where(out["parent"].notna(), ALL).to_numpy()
    strengths = []
    with np.errstate(invalid="ignore"):
        answered = (n > 0) & (k <= n)
    for i, step in enumerate(steps[:-1]):
        ok = np.flatnonzero((at == i) & answered)
        if not ok.size:
            continue
        got = shrink_counts(k[ok], n[ok], parents[ok], level=level)
        est[ok], lo[ok], hi[ok] = got.est, got.lo, got.hi
        strengths.append(f"{step.name} {got.strength:.0f}")
    out["rate_est"], out["rate_lo"], out["rate_hi"] = est, lo, hi
    return MetricResult(
        name="funnel", frame=out[COLUMNS], sql=sql,
        filters=filters(by, since, until, funnel=crm.funnel.name,
                        dates="activities by occurred_at, outcomes by achieved_at, "
                              "opportunities by created_at (cohort)"),
        notes=(prior_note(", ".join(strengths), groups=out["key"].nunique(), level=level,
                           unit="activities or deals at the step"),
               OPEN_NOTE),
    )
