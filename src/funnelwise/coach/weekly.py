"""Every rep's count at every funnel step, week by week: what the coaching rules read.

The counts themselves are `metrics.weekly`'s (the forward projection reads them too).

`step_rates`: what each step's rate into the next divides, rep by rep and week by week: these
weekly counts where they are nested, else the same leads (below).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from funnelwise.coach.stats import Overflow, overflow
from funnelwise.formats import count, date, words
from funnelwise.formats import days as day_count
from funnelwise.metrics.dimensions import count_if
from funnelwise.metrics.effectiveness import EPOCH_DIGITS, SECONDS_OFFSET, attribution_config
from funnelwise.metrics.funnel import event_match, reached_step
from funnelwise.metrics.progress import opportunity_progress
from funnelwise.metrics.weekly import (
    flow_pairs,
    mondays,
    week_of,
    weekly_counts,
    weekly_frame,
)
from funnelwise.schema.crm import Crm
from funnelwise.schema.funnel import Step

__all__ = ["LINKED", "USUAL", "StepRate", "arrivals", "counted_rate", "flow_pairs",
           "lead_counts", "lead_lags", "linked_share", "mondays", "overflow_note",
           "rate_notes", "step_rate", "step_rates", "usual_lag", "week_of", "weekly_counts",
           "weekly_frame"]


# What a step's rate divides: the weekly counts above, where they can be a rate. The next step
# may count some of the step's own records (the conversations among outreach touches), or
# other records (opportunities created after meetings held) whose counts are nested over the
# weeks the rules compare (k <= n, `stats.overflow`). Where a rep's are not, or the team's
# (all reps summed: then the two steps are not one flow in this data, as when deals were
# loaded in a burst, and a rep whose counts stay under 100% is inflated all the same), k / n
# is no rate. The rep's rate then follows the same leads when the records carry them (a
# cohort, as the deal-stage rates are): of the records at the step in a week, those credited
# with a record at the next step, each of those credited to the latest record at the step of
# the same lead at most the attribution window before it (last touch, as in
# `metrics.effectiveness`), and within the time 95% of the credits take. A record counts
# once that time has passed, so the recent weeks are not dragged down by leads still on
# their way.

LINKED = 0.5
"""The share of the records at each step that must carry a lead (their own or their deal's)
for a rate to follow the same leads."""
USUAL = 0.95
"""A credit counts when it came within the time this share of the credits took."""


@dataclass(frozen=True)
class StepRate:
    """The rate from `step` to `nxt`, per rep (rows) and week (columns): `k` of `n`.

    `over` and `team` are `stats.overflow` of the weekly counts, per rep and summed over the
    reps; `leads` marks the reps whose rate follows the same leads instead: their records
    reaching the step up to `known_until` have had `days` to be credited.
    """

    step: str
    nxt: str
    n: pd.DataFrame
    k: pd.DataFrame
    over: Overflow
    team: Overflow
    leads: np.ndarray
    days: float = 0.0
    known_until: dt.datetime | None = None

    @property
    def unnested(self) -> np.ndarray:
        """Per rep: whether its weekly counts, or the team's, are not nested."""
        return np.asarray(self.over.found | self.team.found[0])

    @property
    def nested(self) -> np.ndarray:
        """Per rep: whether k / n is a conversion rate."""
        return np.asarray(~self.unnested | self.leads)


def _with_lead(crm: Crm, t: ir.Table) -> ir.Table:
    """Activities or outcomes with `_lead`: their own lead, else their deal's."""
    o = crm.opportunities
    deals = o.select(_oid=o.opportunity_id, _deal_lead=o.lead_id)
    j = t.left_join(deals, t.opportunity_id == deals._oid)
    return j.mutate(_lead=ibis.coalesce(j.lead_id, j._deal_lead))


def arrivals(crm: Crm, step: Step) -> ir.Table:
    """Every record reaching `step`: its id, rep_id, lead (null when it has none) and `at`."""
    if step.kind in ("activity", "output", "outcome"):
        table, at, key = ((crm.outcomes, "achieved_at", "outcome_id") if step.kind == "outcome"
                          else (crm.activities, "occurred_at", "activity_id"))
        t = _with_lead(crm, table.filter(event_match(step, table)))
        return t.select(id=t[key], rep_id=t.rep_id, lead=t._lead, at=t[at])
    o = opportunity_progress(crm)
    o = o.filter(reached_step(step, o, crm) & o.created_at.notnull())
    return o.select(id=o.opportunity_id, rep_id=o.owner_rep_id, lead=o.lead_id,
                    at=o.created_at)


def linked_share(crm: Crm, step: Step) -> float:
    """The share of the records at `step` that carry a lead (1 when there are none)."""
    a = arrivals(crm, step)
    got = a.aggregate(total=a.count(), linked=a.lead.count()).to_pandas().iloc[0]
    return float(got["linked"]) / float(got["total"]) if got["total"] else 1.0


def lead_lags(crm: Crm, step: Step, nxt: Step, *, days: float) -> ir.Table:
    """Every record at `step` that carries a lead: rep_id, `at` and `lag`, the seconds to the
    first record at `nxt` credited to it (null when none is).

    A record at `nxt` is credited to the latest record at `step` of the same lead at most
    `days` before it (within one second, the larger id; as `metrics.effectiveness` credits
    outcomes), so each is counted once.
    """
    a = arrivals(crm, step)
    a = a.filter(a.lead.notnull())
    b = arrivals(crm, nxt)
    b = b.filter(b.lead.notnull()).select(_bid=b.id, _lead=b.lead, _at=b.at)
    window = ibis.literal(round(days * 86_400))
    j = b.inner_join(a, [b._lead == a.lead, a.at <= b._at,
                         a.at.epoch_seconds() >= b._at.epoch_seconds() - window])
    seconds = j.at.epoch_seconds().cast("float64").floor().cast("int64")
    latest = (seconds + SECONDS_OFFSET).cast("string") + j.id
    credit = j.group_by(["_bid", "_at"]).aggregate(_key=latest.max())
    credit = credit.mutate(_aid=credit._key.substr(EPOCH_DIGITS))
    first = credit.group_by("_aid").aggregate(_next=credit._at.min())
    per = a.left_join(first, a.id == first._aid)
    return per.select("rep_id", "at", lag=per._next.epoch_seconds() - per.at.epoch_seconds())


def usual_lag(lags: ir.Table, *, most: float) -> float:
    """Whole days within which `USUAL` of the credits came (at least 1, at most `most`)."""
    got = lags.filter(lags.lag.notnull()).lag.quantile(USUAL).execute()
    if got is None or got != got:
        return most
    return float(min(max(math.ceil(float(got) / 86_400), 1), most))


def lead_counts(lags: ir.Table, *, days: float, until: dt.datetime) -> ir.Table:
    """Per (rep_id, week): records at the step by `until` (`n`), and those credited with a
    record at the next step within `days` (`k`)."""
    t = lags.filter(lags.at <= until)
    return t.group_by("rep_id", week=week_of(t.at)).aggregate(
        n=t.count(), k=count_if(t.lag.notnull() & (t.lag <= round(days * 86_400))))


def _by_week(long: pd.DataFrame, like: pd.DataFrame, figure: str) -> pd.DataFrame:
    """`figure` of `lead_counts` as a rep x week frame shaped `like` (zeros elsewhere)."""
    if long.empty:
        return pd.DataFrame(0, index=like.index, columns=like.columns)
    wide = long.pivot_table(index="rep_id", columns="week", values=figure, aggfunc="sum")
    wide.columns = pd.to_datetime(wide.columns).date
    return wide.reindex(index=like.index, columns=like.columns).fillna(0).astype("int64")


def counted_rate(weekly: pd.DataFrame, step: Step, nxt: Step, *, recent: int) -> StepRate:
    """The rate from `step` to `nxt` on the weekly counts (`weekly_frame`)."""
    n, k = weekly[step.name].unstack("week"), weekly[nxt.name].unstack("week")
    kk, nn = k.to_numpy(float), n.to_numpy(float)
    over = overflow(kk, nn, recent=recent)
    team = overflow(kk.sum(axis=0, keepdims=True), nn.sum(axis=0, keepdims=True),
                    recent=recent)
    return StepRate(step.name, nxt.name, n, k, over, team, leads=np.zeros(len(n), dtype=bool))


def step_rate(crm: Crm, weekly: pd.DataFrame, step: Step, nxt: Step, *, recent: int,
              days: float, asof: dt.datetime) -> StepRate:
    """The rate from `step` to `nxt`: the weekly counts, and the same leads for the reps
    whose weekly counts are not nested, when the records carry leads (above)."""
    counted = counted_rate(weekly, step, nxt, recent=recent)
    swap = counted.unnested
    if not swap.any() or min(linked_share(crm, step), linked_share(crm, nxt)) < LINKED:
        return counted
    lags = lead_lags(crm, step, nxt, days=days)
    days = usual_lag(lags, most=days)
    until = asof - dt.timedelta(days=days)
    long = lead_counts(lags, days=days, until=until).to_pandas()
    rows = np.broadcast_to(swap[:, None], counted.n.shape)
    n = counted.n.mask(rows, _by_week(long, counted.n, "n"))
    k = counted.k.mask(rows, _by_week(long, counted.k, "k"))
    return replace(counted, n=n, k=k, leads=swap, days=days, known_until=until)


def step_rates(crm: Crm, weekly: pd.DataFrame, *, recent: int,
               asof: dt.date) -> dict[str, StepRate]:
    """Every flow pair's rate (`flow_pairs`) by the first step's name: `weekly` is the
    `weekly_frame` of the CRM as of `asof`; a credit counts within the `[effectiveness]`
    attribution window at most."""
    days = float(attribution_config(crm.funnel).window_days)
    start = dt.datetime.combine(asof, dt.time())
    return {s.name: step_rate(crm, weekly, s, n, recent=recent, days=days, asof=start)
            for s, n in flow_pairs(crm.funnel)}


def rate_notes(rates: Mapping[str, StepRate]) -> tuple[str, ...]:
    """`overflow_note` of every pair whose weekly counts are not nested for some rep."""
    return tuple(note for r in rates.values() if (note := overflow_note(r)))


def overflow_note(rate: StepRate) -> str | None:
    """Whose weekly counts are no rate, the worst counts, and what the rules do about it."""
    found = np.flatnonzero(rate.unnested)
    if not found.size:
        return None
    if rate.team.found[0]:
        over, i, who = rate.team, 0, "all reps together"
    else:
        over = rate.over
        i = int(found[np.argmax((over.k - over.n)[found])])
        who = f"most: {rate.n.index[i]}"
    weeks = list(rate.n.columns)
    here, there = words(rate.step), words(rate.nxt)
    seen = (f"{here} → {there} counted by week is not a conversion rate for "
            f"{count(found.size)} of {count(len(rate.n))} reps: more reached {there} than "
            f"{here} over weeks the rules compare ({who}, {count(over.k[i])} at {there} "
            f"against {count(over.n[i])} at {here} in the weeks of "
            f"{date(weeks[over.start[i]])} to {date(weeks[over.end[i] - 1])})")
    if rate.leads.any():
        return (f"{seen}; for them it follows the same leads: of the records at {here}, those "
                f"credited with one at {there} within {day_count(rate.days, unit=True)}")
    return f"{seen}; no conversion drop or rise is raised on it for them"
