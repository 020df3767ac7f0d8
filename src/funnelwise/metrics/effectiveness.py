"""Activity effectiveness: volume, outputs, outcomes and yield per activity type.

Attribution (last touch): each customer outcome is credited to the closest preceding activity
of the same rep on the same lead or the same opportunity, at most `window_days` before it
(`[effectiveness] attribution_days`, default 30); closest is the latest by the second, and
within one second the larger activity id. An outcome with no such activity is not
credited to any type (the notes count them). An outcome without a rep belongs to the owner of
its opportunity.

Per group and activity type, over the activities that happened in the window:

    volume         activities of the type
    outputs        those with a positive output (`[effectiveness] outputs`; by default every
                   output a funnel output step counts: connected, replied, held)
    outcomes       outcomes credited to them
    productive     activities credited with at least one outcome
    yield          productive / volume: the share of activities that produced an outcome
    output_yield   productive outputs / outputs: the same, per positive output

1,000 emails of which 1% produce an outcome give 10 outcomes; 100 emails at 15% give 15: the
second rep does more with fewer, and ranks higher on yield. Yields are shrunk toward the
parent (the rep's team) per type, with intervals (see `shrinkage`); `rank` orders the groups
by the shrunk yield within each type.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import ibis
import ibis.expr.types as ir
import pandas as pd
from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from funnelwise.errors import unknown_name
from funnelwise.metrics.dimensions import REP_DIMENSIONS, check_by, count_if, filters, keyed, window
from funnelwise.metrics.result import MetricResult, deferred_sql
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL, prior_note, shrink
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Funnel
from funnelwise.schema.sections import SECTION, Names, Number

DIMENSIONS = ("all", *REP_DIMENSIONS)
DEFAULT_WINDOW_DAYS = 30.0
SECONDS_PER_DAY = 86400
SECONDS_OFFSET = 10**11
EPOCH_DIGITS = 12
COUNTS = ("volume", "outputs", "outcomes", "productive", "productive_outputs")
COLUMNS = ["key", "parent", "type", "volume", "outputs", "output_rate", "outcomes", "productive",
           "outcomes_per_activity", "yield", "yield_est", "yield_lo", "yield_hi", "output_yield",
           "output_yield_est", "output_yield_lo", "output_yield_hi", "rank"]


@dataclass(frozen=True, config=ConfigDict(**SECTION, validate_by_name=True,
                                          validate_by_alias=True))
class Attribution:
    """How outcomes are credited: the look-back window, outcome kinds and positive outputs.

    The model of the funnel TOML's `[effectiveness]` table, whose keys are `attribution_days`
    (`window_days`), `outcomes` (`kinds`) and `outputs`. Empty `kinds` means every outcome
    kind; empty `outputs` means the funnel's output steps.
    """

    window_days: Annotated[Number, Field(gt=0, alias="attribution_days")] = DEFAULT_WINDOW_DAYS
    kinds: Annotated[Names, Field(alias="outcomes")] = ()
    outputs: Names = ()

    def positive_outputs(self, funnel: Funnel) -> tuple[str, ...]:
        if self.outputs:
            return self.outputs
        found = [o for s in funnel.steps if s.kind == "output" for o in s.outputs]
        return tuple(dict.fromkeys(found))


def attribution_config(funnel: Funnel) -> Attribution:
    """The funnel TOML's `[effectiveness]` table (attribution_days, outcomes, outputs)."""
    return funnel.section("effectiveness", Attribution)


def _outcomes(crm: Crm, kinds: tuple[str, ...], having: str | None = None) -> ir.Table:
    """Outcomes with `rep` (their own, else their opportunity owner's); only those with a
    `having` column (lead_id, opportunity_id) when given.

    Each branch of the attribution asks for its own filtered table, so the query holds no
    shared intermediate for DuckDB to materialise (which cost about a third more memory).
    """
    o = crm.outcomes
    if kinds:
        o = o.filter(o.kind.isin(list(kinds)))
    if having:
        o = o.filter(o[having].notnull())
    owners = crm.opportunities.select(_oid=crm.opportunities.opportunity_id,
                                      _owner=crm.opportunities.owner_rep_id)
    j = o.left_join(owners, o.opportunity_id == owners._oid)
    return j.select("outcome_id", "kind", "achieved_at", "lead_id", "opportunity_id",
                    rep=ibis.coalesce(j.rep_id, j._owner))


def _candidates(o: ir.Table, a: ir.Table, key: str, window_s: float) -> ir.Table:
    """(outcome, activity) pairs of the same rep and `key`, the activity within the window
    (`o`: the outcomes that have a `key`).

    On `opportunity_id`, an activity on the outcome's own lead is left out: the `lead_id`
    pairs hold it already.
    """
    oo = o.select("outcome_id", "achieved_at", "rep", _k=o[key], _lead=o.lead_id)
    aa = a.filter(a[key].notnull())
    on = [oo.rep == aa.rep_id, oo._k == aa[key], aa.occurred_at <= oo.achieved_at,
          aa.occurred_at.epoch_seconds() >= oo.achieved_at.epoch_seconds() - window_s]
    if key != "lead_id":
        on.append(aa.lead_id.isnull() | oo._lead.isnull() | (aa.lead_id != oo._lead))
    j = oo.inner_join(aa, on)
    return j.select("outcome_id", "activity_id", "occurred_at")


def _latest_key(pairs: ir.Table) -> ir.StringValue:
    """A string whose maximum is the latest activity: whole seconds since 1970 plus
    SECONDS_OFFSET (so always EPOCH_DIGITS digits, from about 1200 BC to 5100 AD), then the
    activity id (so the same second goes to the larger id)."""
    seconds = pairs.occurred_at.epoch_seconds().cast("float64").floor().cast("int64")
    return (seconds + SECONDS_OFFSET).cast("string") + pairs.activity_id


def credited_activities(crm: Crm, attribution: Attribution) -> ir.Table:
    """Per activity credited with at least one outcome: its id and how many (`n`).

    Each outcome goes to its closest preceding activity: the latest by the second; within one
    second, the larger activity id. The pairs are reduced with one maximum per outcome (no
    window over them), then counted per chosen activity.
    """
    a = crm.activities.select("activity_id", "rep_id", "occurred_at", "lead_id",
                              "opportunity_id")
    window_s = attribution.window_days * SECONDS_PER_DAY
    pairs = ibis.union(*(_candidates(_outcomes(crm, attribution.kinds, k), a, k, window_s)
                         for k in ("lead_id", "opportunity_id")))
    best = pairs.group_by("outcome_id").aggregate(_best=_latest_key(pairs).max())
    chosen = best.select(_id=best._best.substr(EPOCH_DIGITS))
    return chosen.group_by("_id").aggregate(n=chosen.count())


def type_counts(crm: Crm, attribution: Attribution, *, by: str = "rep",
                since: dt.date | None = None, until: dt.date | None = None) -> ir.Table:
    """Per (key, parent, type): volume, outputs, outcomes, productive activities and outputs."""
    check_by(by, DIMENSIONS)
    positive = list(attribution.positive_outputs(crm.funnel)) or [""]
    a = crm.activities
    a = a.filter(window(a.occurred_at, since, until))
    vol = a.group_by(["rep_id", "type"]).aggregate(
        volume=a.count(), outputs=count_if(a.output.isin(positive)))
    cred = credited_activities(crm, attribution)
    kinds = a.select("activity_id", "rep_id", "type", "output")
    per = cred.inner_join(kinds, cred._id == kinds.activity_id)
    got = per.group_by(_rep="rep_id", _type="type").aggregate(
        outcomes=per.n.sum(), productive=per.count(),
        productive_outputs=count_if(per.output.isin(positive)))
    j = vol.left_join(got, (vol.rep_id == got._rep) & (vol.type == got._type))
    j = j.select("rep_id", "type", "volume", "outputs",
                 **{c: j[c].fill_null(0) for c in ("outcomes", "productive",
                                                   "productive_outputs")})
    g = keyed(crm, j, rep_col="rep_id", by=by)
    return g.group_by(["key", "parent", "type"]).aggregate(
        **{c: g[c].sum().cast("int64") for c in COUNTS}).order_by(["type", "key"])


def outcome_total(crm: Crm, attribution: Attribution, since: dt.date | None = None,
                  until: dt.date | None = None) -> int:
    """Outcomes of the kinds counted, achieved in the window: what could be credited."""
    o = crm.outcomes
    if attribution.kinds:
        o = o.filter(o.kind.isin(list(attribution.kinds)))
    return int(o.filter(window(o.achieved_at, since, until)).count().execute())


def _shrunk(frame: pd.DataFrame, k: str, n: str, prefix: str, level: float) -> list[str]:
    """Add shrunk `prefix` estimates per type, in place; return the prior strengths."""
    for col in (f"{prefix}_est", f"{prefix}_lo", f"{prefix}_hi"):
        frame[col] = float("nan")
    strengths = []
    for kind, part in frame.groupby("type", sort=True):
        ok = part[part[n] > 0]
        if ok.empty:
            continue
        est, m = shrink(ok.astype({k: float, n: float}), k=k, n=n, prefix=prefix, level=level)
        cols = [f"{prefix}_est", f"{prefix}_lo", f"{prefix}_hi"]
        frame.loc[est.index, cols] = est[cols].to_numpy()
        strengths.append(f"{kind} {m:.0f}")
    return strengths


def yields(frame: pd.DataFrame, level: float = DEFAULT_LEVEL) -> tuple[pd.DataFrame, list[str]]:
    """Raw and shrunk yields and the rank within each type (1 = highest shrunk yield)."""
    out = frame.reset_index(drop=True).copy()
    out["output_rate"] = out["outputs"] / out["volume"].where(out["volume"] > 0)
    out["outcomes_per_activity"] = out["outcomes"] / out["volume"].where(out["volume"] > 0)
    out["yield"] = out["productive"] / out["volume"].where(out["volume"] > 0)
    out["output_yield"] = out["productive_outputs"] / out["outputs"].where(out["outputs"] > 0)
    strengths = _shrunk(out, "productive", "volume", "yield", level)
    _shrunk(out, "productive_outputs", "outputs", "output_yield", level)
    out["rank"] = out.groupby("type")["yield_est"].rank(ascending=False, method="min")
    out = out.sort_values(["type", "rank", "key"]).reset_index(drop=True)
    return out, strengths


def _only(frame: pd.DataFrame, types: tuple[str, ...]) -> pd.DataFrame:
    """The rows of the given activity types (all when none given); unknown types are errors."""
    known = sorted(str(t) for t in frame["type"].dropna().unique())
    for kind in types:
        if kind not in known:
            raise unknown_name("activity type", kind, known)
    return frame[frame["type"].isin(types)] if types else frame


def effectiveness(crm: Crm, *, by: str = "rep", since: dt.date | None = None,
                  until: dt.date | None = None, types: tuple[str, ...] = (),
                  attribution: Attribution | None = None,
                  level: float = DEFAULT_LEVEL) -> MetricResult:
    """Volume, outputs, outcomes and yields per group and activity type, with shrinkage."""
    attribution = attribution or attribution_config(crm.funnel)
    expr = type_counts(crm, attribution, by=by, since=since, until=until)
    counts = expr.to_pandas()
    frame, strengths = yields(_only(counts, types), level)
    credited = int(counts["outcomes"].sum())  # each credited outcome has one activity
    total = outcome_total(crm, attribution, since, until)
    dated = " (credited to activities in the window, of the outcomes achieved in it)" if (
        since or until) else ""
    notes = (
        f"outcome credited to the rep's closest preceding activity on the same lead or "
        f"opportunity within {attribution.window_days:g} days: {credited:,} of {total:,} "
        f"outcomes credited{dated}",
        "yield = activities that produced an outcome / activities; per output = the same "
        f"over positive outputs ({', '.join(attribution.positive_outputs(crm.funnel))})",
        prior_note(", ".join(strengths), groups=frame["key"].nunique(), level=level,
                   unit="activities"),
    )
    return MetricResult(
        name="effectiveness", frame=frame[COLUMNS], sql=deferred_sql(expr),
        filters=filters(by, since, until, types=list(types) or None,
                        attribution_days=attribution.window_days,
                        outcome_kinds=list(attribution.kinds) or "all",
                        dates="activities by occurred_at; their outcomes up to "
                              f"{attribution.window_days:g} days later"),
        notes=notes,
    )
