"""Each rep's plan around the coached week: weekly needs per step, and what a unit is worth.

The plan is `funnelwise plan` per rep (reverse funnel from the quota, the rep's own rates,
the team's when history is thin) for every calendar quarter whose activity window touches the
weeks being coached. A step's need for quarter Q applies to the weeks that step must happen in
for Q's revenue (`start_week` to `end_week`: the quarter shifted earlier by the step's lead
time), so this week's outreach is held to the quarter it feeds, not the one it falls in.

Money: one more unit at step j is worth S x c_j x c_{j+1} x ... (deal size times the rates
from j down to a win), from the same per-rep figures. Without any quota the team's figures
price every rep's units and there are no plan needs.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace

import pandas as pd

from funnelwise.errors import UserError
from funnelwise.metrics.dimensions import ALL
from funnelwise.periods import Period, quarters
from funnelwise.plan.estimate import Options, build_funnel, figures, has_figures, period_quotas
from funnelwise.plan.groups import load_groups
from funnelwise.plan.model import RepFunnel, Target
from funnelwise.plan.reverse import plan_reps
from funnelwise.schema.crm import Crm

NEED_COLUMNS = ["rep", "period", "step", "per_week", "start_week", "end_week"]
PLAN_DRAWS = 200


@dataclass(frozen=True)
class Plans:
    """Per-rep funnels (for money), the team's, and the plans' weekly needs per period."""

    funnels: dict[str, RepFunnel]
    team: RepFunnel | None
    needs: pd.DataFrame
    notes: tuple[str, ...] = ()

    def funnel(self, rep: str) -> RepFunnel | None:
        return self.funnels.get(rep, self.team)

    def unit_value(self, rep: str, step: str) -> float:
        """Expected revenue of one more unit at `step` for `rep`: S x the rates below it."""
        f = self.funnel(rep)
        if f is None or step not in f.steps:
            return math.nan
        j = f.index(step)
        return f.deal_size.mean * math.prod(r.value for r in f.rates[j:])


def _team_only(crm: Crm, opts: Options, why: str) -> Plans:
    fig = figures(crm, opts, "all")
    team = build_funnel(crm, fig, ALL, opts, source="team") if has_figures(fig, ALL) else None
    return Plans(funnels={}, team=team, needs=pd.DataFrame(columns=NEED_COLUMNS), notes=(why,))


def _needs(crm: Crm, period: Period, funnels: dict[str, RepFunnel],
           team: RepFunnel) -> list[dict[str, object]]:
    try:
        quotas, _ = period_quotas(crm, period, "rep")
    except UserError:
        return []
    reps = [str(r) for r in quotas["key"]]
    use = [funnels.get(r) or replace(team, key=r, note="team figures") for r in reps]
    targets = [Target(quota=float(q), weeks=period.weeks, period=period)
               for q in quotas["quota"]]
    plans = plan_reps(use, targets, draws=PLAN_DRAWS)
    return [{"rep": p.funnel.key, "period": period.label, "step": s.step,
             "per_week": s.per_week, "start_week": s.start_week, "end_week": s.end_week}
            for p in plans for s in p.steps]


def load_plans(crm: Crm, week: dt.date, recent_weeks: int) -> Plans:
    """Plans of every quarter whose activity windows overlap the recent weeks."""
    opts = Options()
    first = week - dt.timedelta(weeks=recent_weeks + 1)
    span = Period("coached weeks", first, week + dt.timedelta(days=6))
    try:
        groups = load_groups(crm, span, opts)
    except UserError as exc:
        why = str(exc).split(";")[0].split(":")[0]
        return _team_only(crm, opts, f"no plan ({why}): weekly goals come from [targets] or "
                                     "each rep's usual pace")
    funnels = {f.key: f for f in groups.funnels}
    lead = max((f.timing.lead_days[0] for f in funnels.values() if f.timing.lead_days),
               default=0.0)
    periods = quarters(first, week + dt.timedelta(days=round(lead) + 7))
    rows = [r for p in periods for r in _needs(crm, p, funnels, groups.team)]
    return Plans(funnels=funnels, team=groups.team,
                 needs=pd.DataFrame(rows, columns=NEED_COLUMNS), notes=groups.notes)


def weekly_need(plans: Plans, step: str, weeks: list[dt.date]) -> pd.DataFrame:
    """Per (rep, week): the plan's weekly need at `step` and the period it is for.

    A week inside two periods' windows (the boundary week) is held to the later period.
    """
    n = plans.needs[plans.needs["step"] == step]
    if n.empty:
        return pd.DataFrame(columns=["rep", "week", "need", "period"])
    grid = n.merge(pd.DataFrame({"week": weeks}), how="cross")
    grid = grid[(grid["start_week"] <= grid["week"]) & (grid["week"] <= grid["end_week"])]
    grid = grid.sort_values("start_week").drop_duplicates(["rep", "week"], keep="last")
    return grid.rename(columns={"per_week": "need"})[["rep", "week", "need", "period"]]
