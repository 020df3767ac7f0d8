"""Plan backwards: from the revenue a rep needs to the activity that produces it.

    wins needed           W   = T / S
    opportunities needed  O   = W / w
    each step above       U_j = U_{j+1} / c_j      (c_j: rate from step j into step j + 1)
    per week              U_j / weeks

Example (DESIGN.md): T = 1.2M, S = 100k, w = 25%, 1 conversation in 8 becomes a qualified
opportunity, 48 selling weeks -> 12 wins, 48 opportunities, 384 conversations, 8 a week.

Lead time: revenue lands when deals close, so opportunities must be created about one sales
cycle earlier and the steps above them earlier still. A step with lead time L must happen in
the weeks [period start - L, period end - L]; `start_week` uses the median cycle and
`earliest_week` the 90th percentile (see `leadtime`).

Intervals: the rates and S are drawn from their posteriors (see `montecarlo`) and every
requirement recomputed per draw; the interval is the central `level` share of the draws.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from funnelwise.metrics.shrinkage import DEFAULT_LEVEL
from funnelwise.periods import monday
from funnelwise.plan import montecarlo as mc
from funnelwise.plan.model import RepFunnel, Target

DEFAULT_DRAWS = 4000


@dataclass(frozen=True)
class StepNeed:
    """How many of one step a plan needs, per week, when, and how sure we are of it."""

    step: str
    rate: float | None
    rate_lo: float | None
    rate_hi: float | None
    total_needed: float
    total_lo: float
    total_hi: float
    weeks: float
    lead_days: float | None = None
    start_week: dt.date | None = None
    end_week: dt.date | None = None
    earliest_week: dt.date | None = None

    @property
    def per_week(self) -> float:
        return self.total_needed / self.weeks

    @property
    def per_week_lo(self) -> float:
        return self.total_lo / self.weeks

    @property
    def per_week_hi(self) -> float:
        return self.total_hi / self.weeks


@dataclass(frozen=True)
class RepPlan:
    """One rep's reverse-funnel plan: the target, the funnel it came from, every step's need."""

    funnel: RepFunnel
    target: Target
    steps: tuple[StepNeed, ...]
    level: float = DEFAULT_LEVEL
    scenario: str = "base"

    def need(self, step: str) -> StepNeed:
        return self.steps[self.funnel.index(step)]

    @property
    def wins_needed(self) -> float:
        return self.steps[-1].total_needed

    @property
    def opportunities_needed(self) -> float | None:
        step = self.funnel.opportunity_step
        return self.need(step).total_needed if step else None


def required(quota: np.ndarray | float, deal_size: np.ndarray | float,
             rates: np.ndarray) -> np.ndarray:
    """Required volume at every step, top down, wins last: U_j = (T / S) / prod_{i>=j} c_i.

    `rates` has the steps on its last axis; `quota` and `deal_size` broadcast against the
    other axes. The result has one more entry on the last axis (the wins).
    """
    wins = np.asarray(quota, dtype=float) / np.asarray(deal_size, dtype=float)
    tail = np.cumprod(rates[..., ::-1], axis=-1)[..., ::-1]
    wins = np.broadcast_to(wins, tail.shape[:-1])
    return np.concatenate([wins[..., None] / tail, wins[..., None]], axis=-1)


def requirement_draws(funnels: list[RepFunnel], quotas: np.ndarray, *, draws: int,
                      seed: int) -> np.ndarray:
    """(reps, draws, steps + 1): requirements recomputed for every posterior draw."""
    rng = np.random.default_rng(seed)
    s = mc.stack(funnels)
    rates = mc.draw_rates(rng, s, draws).transpose(0, 2, 1)
    deal = mc.draw_deal_means(rng, s, draws)
    return required(quotas[:, None], deal, rates)


def moved(period_day: dt.date, lead: float) -> dt.date:
    """The day a step with lead time `lead` (days) must happen on for a win on `period_day`."""
    return period_day - dt.timedelta(days=round(lead))


def _week(period_day: dt.date | None, lead: float | None) -> dt.date | None:
    if period_day is None or lead is None:
        return None
    return monday(moved(period_day, lead))


def _step_need(f: RepFunnel, t: Target, j: int, totals: np.ndarray, bounds: np.ndarray,
               level: float) -> StepNeed:
    rate = f.rates[j] if j < len(f.rates) else None
    lo_hi = rate.interval(level) if rate else (None, None)
    lead = f.timing.lead_days[j] if f.timing.lead_days else None
    late = f.timing.late_lead_days[j] if f.timing.late_lead_days else None
    p = t.period
    return StepNeed(
        step=f.steps[j], rate=rate.value if rate else None, rate_lo=lo_hi[0], rate_hi=lo_hi[1],
        total_needed=float(totals[j]), total_lo=float(bounds[0, j]),
        total_hi=float(bounds[1, j]), weeks=t.weeks, lead_days=lead,
        start_week=_week(p.start if p else None, lead),
        end_week=_week(p.end if p else None, lead),
        earliest_week=_week(p.start if p else None, late),
    )


def plan_reps(funnels: list[RepFunnel], targets: list[Target], *,
              level: float = DEFAULT_LEVEL, draws: int = DEFAULT_DRAWS,
              seed: int = mc.DEFAULT_SEED, scenario: str = "base") -> list[RepPlan]:
    """Reverse-funnel plans for many reps at once, with Monte Carlo intervals."""
    if not funnels:
        return []
    quotas = np.array([t.quota for t in targets], dtype=float)
    s = mc.stack(funnels)
    totals = required(quotas, s.deal_mean, s.value)
    tail = (1 - level) / 2
    bounds = np.quantile(requirement_draws(funnels, quotas, draws=draws, seed=seed),
                         [tail, 1 - tail], axis=1)
    return [
        RepPlan(funnel=f, target=t, level=level, scenario=scenario, steps=tuple(
            _step_need(f, t, j, totals[i], bounds[:, i], level) for j in range(len(f.steps))))
        for i, (f, t) in enumerate(zip(funnels, targets, strict=True))
    ]
