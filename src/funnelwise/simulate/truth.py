"""truth.json: each rep's true parameters and planted changes; and the quotas built from them.

Expected weekly won revenue of rep r: V_r * c1 * c2 * c3 * w * S. A quarterly quota is 13
weeks of it times a factor drawn in 0.8-1.3, rounded to 1000. Pooled team rates weight each
rep by its expected inputs to the step over the whole period (planted drops and goal misses
included), e.g. team win rate = sum_r E[qualified_r] w_r / sum_r E[qualified_r]. The team's
`expected_counts` are the expected events over the period; `won` there counts the eventual wins
of the period's qualified deals, including those that close after the data end.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa

from funnelwise.simulate.columns import dates
from funnelwise.simulate.config import EPOCH, FUNNEL_STEPS, OUTREACH_TYPES, REGIONS, SimConfig
from funnelwise.simulate.params import ARCHETYPES, RepParams, cycle_mean
from funnelwise.simulate.people import Roster
from funnelwise.simulate.plan import DROP_STEPS, Plan


def _r(x: float, digits: int = 6) -> float:
    return round(float(x), digits)


def expected_flow(params: RepParams, plan: Plan) -> np.ndarray:
    """(reps, 5): expected outreach, conversations, meetings, qualified and wins per rep."""
    factor = plan.step_factor()
    outreach = params.volume[:, None] * plan.volume_factor
    flow = [outreach]
    for step, rate in enumerate((params.c1, params.c2, params.c3)):
        flow.append(flow[-1] * rate[:, None] * factor[:, :, step])
    flow.append(flow[-1] * params.win[:, None])
    return np.stack([f.sum(axis=1) for f in flow], axis=1)


def _drop(params: RepParams, plan: Plan, rep: int, start: dt.date) -> dict[str, Any] | None:
    step = int(plan.drop_step[rep])
    if step < 0:
        return None
    week = int(plan.drop_week[rep])
    before = float(params.step_rates()[rep, step])
    return {"step": DROP_STEPS[step], "week": week,
            "date": (start + dt.timedelta(weeks=week)).isoformat(),
            "rate_before": _r(before), "rate_after": _r(before * plan.drop_factor[rep])}


def _missed(params: RepParams, plan: Plan, rep: int, start: dt.date) -> dict[str, Any] | None:
    weeks = np.flatnonzero(plan.missed[rep])
    if weeks.shape[0] == 0:
        return None
    return {"weeks": [(start + dt.timedelta(weeks=int(k))).isoformat() for k in weeks],
            "target_per_week": _r(params.volume[rep], 3)}


def _rep(params: RepParams, plan: Plan, roster: Roster, rep: int,
         start: dt.date) -> dict[str, Any]:
    team = int(roster.team_of_rep[rep])
    rates = params.step_rates()[rep]
    drop, missed = _drop(params, plan, rep, start), _missed(params, plan, rep, start)
    median = float(params.cycle_median[rep])
    return {
        "name": roster.rep_names[rep], "archetype": ARCHETYPES[params.archetype[rep]],
        "manager": roster.manager_names[team], "team": roster.team_name(team),
        "region": REGIONS[roster.team_region[team]],
        "outreach_per_week": _r(params.volume[rep], 3),
        "activity_target_per_week": _r(params.volume[rep], 3),
        "type_mix": {t: _r(params.mix[rep, i]) for i, t in enumerate(OUTREACH_TYPES)},
        "type_yield": {t: _r(params.type_yield[rep, i]) for i, t in enumerate(OUTREACH_TYPES)},
        "step_rates": {s: _r(rates[i]) for i, s in enumerate(FUNNEL_STEPS[:4])},
        "win_rate": _r(params.win[rep]), "deal_size_mean": _r(params.deal_size[rep], 2),
        "cycle_days_median": _r(median, 3), "cycle_days_mean": _r(cycle_mean(median), 3),
        "drop": drop, "missed_goal": missed,
        "noise_only": drop is None and missed is None, "hoarder": bool(plan.hoarder[rep]),
    }


def _team(params: RepParams, plan: Plan) -> dict[str, Any]:
    flow = expected_flow(params, plan).sum(axis=0)
    rates = flow[1:] / np.maximum(flow[:-1], 1e-12)
    qualified = expected_flow(params, plan)[:, 3]
    weight = qualified / max(qualified.sum(), 1e-12)
    return {
        "win_rate": _r(rates[3]),
        "step_rates": {s: _r(rates[i]) for i, s in enumerate(FUNNEL_STEPS[:4])},
        "deal_size_mean": _r((weight * params.deal_size).sum(), 2),
        "expected_counts": {s: _r(flow[i], 1) for i, s in enumerate(FUNNEL_STEPS)},
        "reps": params.count,
    }


def make_truth(config: SimConfig, params: RepParams, plan: Plan, roster: Roster,
               rep_ids: list[str], planted: dict[str, list[str]]) -> dict[str, Any]:
    """The JSON-serialisable truth of a simulated org."""
    reps = {rid: _rep(params, plan, roster, i, config.start) for i, rid in enumerate(rep_ids)}
    return {
        "seed": config.seed, "start": config.start.isoformat(), "end": config.end.isoformat(),
        "weeks": config.weeks, "scale_activities": config.scale_activities,
        "conversion": config.conversion,
        "funnel_steps": list(FUNNEL_STEPS), "reps": reps, "planted": planted,
        "team": _team(params, plan),
    }


def _quarters(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Calendar quarters overlapping [start, end) plus the two after, as (first, last) days."""
    first = dt.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    out: list[tuple[dt.date, dt.date]] = []
    after = 0
    while after < 2:
        month = first.month + 3
        nxt = dt.date(first.year + (month > 12), (month - 1) % 12 + 1, 1)
        out.append((first, nxt - dt.timedelta(days=1)))
        after += first >= end
        first = nxt
    return out


def make_quotas(rng: np.random.Generator, config: SimConfig, params: RepParams,
                rep_ids: pa.Array) -> pa.Table:
    """One quota per rep and quarter: 13 weeks of expected won revenue x 0.8-1.3, to 1000."""
    quarters = _quarters(config.start, config.end)
    weekly = params.volume * params.c1 * params.c2 * params.c3 * params.win * params.deal_size
    factor = rng.uniform(0.8, 1.3, (params.count, len(quarters)))
    amount = np.round(weekly[:, None] * 13 * factor, -3).ravel()
    first = np.array([(q[0] - EPOCH).days for q in quarters])
    last = np.array([(q[1] - EPOCH).days for q in quarters])
    rep = np.repeat(np.arange(params.count), len(quarters))
    return pa.table({
        "rep_id": rep_ids.take(pa.array(rep)),
        "period_start": dates(np.tile(first, params.count)),
        "period_end": dates(np.tile(last, params.count)),
        "amount": pa.array(amount.astype(np.float64)),
    })


def history_rates(truth: dict[str, Any], rep: str, steps: tuple[str, ...]) -> np.ndarray:
    """A rep's true rates out of `steps`, as a look-back over the whole history measures them.

    For a rep with a planted drop, the dropped step's rate is the mix of the rates before and
    after the drop, weighted by the weeks on each side.
    """
    t = truth["reps"][rep]
    rates = dict(t["step_rates"])
    if drop := t["drop"]:
        before = drop["week"] / truth["weeks"]
        rates[drop["step"]] = before * drop["rate_before"] + (1 - before) * drop["rate_after"]
    return np.array([rates[s] for s in steps])
