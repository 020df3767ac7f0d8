"""Audit forwards: what a plan drawn forwards actually produces, and what closes the gap.

A plan gives weekly volumes for some steps; the topmost planned step (v) is where the flow
starts. With the rates c_j below it:

    expected volume at step j  f_j = v x prod of the rates between the start and j
    expected wins              E   = f_final x weeks
    expected revenue           R   = E x S;   attainment = R / T

With the rep's pipeline (`RepFunnel.pipeline`, read from the workspace: `plan.open_deals`),
the period's revenue is what is won already, plus each open deal's amount won with its chance
of closing inside the period, plus the flow: whose wins land in the period for `flow_weeks`
of its weeks rather than all of them (deals created late in the period close after it):

    R = won + sum of open amounts x P(won in the period) + f_final x flow_weeks x S

Volumes planned lower down are the plan's own expectations; they are checked against f_j,
not used as caps. Where two consecutive steps are both planned, their ratio is the rate the
plan assumes; otherwise the reference is the benchmark (the team's rate) when given. The
binding step is the one whose rate falls furthest below its reference (rate / reference
smallest; the first step when none falls short). Two ways to close the gap:

    more volume at the start     v / attainment per week, rates unchanged
    a better rate at the binding step   c_b / attainment, volumes unchanged

(with a pipeline, the flow's part of the gap: v (T - P) / (R - P), P what the pipeline
brings; nothing more when it covers T).

P10/P50/P90 and the probability of reaching T come from Monte Carlo (see `montecarlo`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from funnelwise.errors import UserError
from funnelwise.plan import montecarlo as mc
from funnelwise.plan.model import RepFunnel, Target

DEFAULT_DRAWS = 10_000
QUANTILES = (0.1, 0.5, 0.9)


@dataclass(frozen=True)
class StepFlow:
    """One step of a projection: the rate out of it, what the plan said, what to expect."""

    step: str
    rate: float | None
    reference_rate: float | None
    planned_per_week: float | None
    expected_per_week: float | None


@dataclass(frozen=True)
class Projection:
    """One rep's forward audit: expected result, its spread, the binding step, the gap."""

    key: str
    target: Target
    deal_size: float
    steps: tuple[StepFlow, ...]
    start_step: str
    expected_wins: float
    expected_revenue: float
    p10: float
    p50: float
    p90: float
    prob_target: float
    binding_step: str
    binding_rate: float
    rate_needed: float
    start_volume_needed: float
    pipeline_expected: float = 0.0
    flow_weeks: float | None = None
    won: float = 0.0

    @property
    def attainment(self) -> float:
        return self.expected_revenue / self.target.quota

    @property
    def start_volume(self) -> float:
        return float(self.steps[[s.step for s in self.steps].index(self.start_step)]
                     .planned_per_week or 0.0)


@dataclass(frozen=True)
class PlanVolumes:
    """Planned weekly volumes by step name, as a forward plan states them."""

    per_week: Mapping[str, float]

    def start(self, f: RepFunnel) -> int:
        """Index of the topmost planned step (where the flow starts)."""
        planned = [f.index(step) for step in self.per_week]
        if not planned:
            raise UserError("a forward plan needs at least one weekly volume, e.g. "
                            f"--volume {f.steps[0]}=100")
        start = min(planned)
        if start >= len(f.rates):
            raise UserError(f"the topmost planned step is {f.steps[start]!r}, the final "
                            "step; plan a volume for a step above it")
        return start


def reference_rates(f: RepFunnel, plan: PlanVolumes,
                    benchmark: Sequence[float] | None) -> list[float | None]:
    """The rate the plan assumes at each step (planned ratio), else the benchmark rate."""
    refs: list[float | None] = []
    for j in range(len(f.rates)):
        here, there = plan.per_week.get(f.steps[j]), plan.per_week.get(f.steps[j + 1])
        if here and there is not None:
            refs.append(there / here)
        else:
            refs.append(benchmark[j] if benchmark is not None else None)
    return refs


def binding(f: RepFunnel, start: int, refs: list[float | None]) -> int:
    """Index of the step whose rate falls furthest below its reference (first on ties)."""
    def shortfall(j: int) -> float:
        ref = refs[j]
        return f.rates[j].value / ref if ref else 1.0
    return min(range(start, len(f.rates)), key=shortfall)


def _flows(f: RepFunnel, plan: PlanVolumes, start: int,
           refs: list[float | None]) -> tuple[StepFlow, ...]:
    v = plan.per_week[f.steps[start]]
    out = []
    for j, step in enumerate(f.steps):
        rate = f.rates[j].value if j < len(f.rates) else None
        expected = v * math.prod(r.value for r in f.rates[start:j]) if j >= start else None
        out.append(StepFlow(step=step, rate=rate, reference_rate=refs[j] if rate else None,
                            planned_per_week=plan.per_week.get(step),
                            expected_per_week=expected))
    return tuple(out)


def flow_weeks(f: RepFunnel, t: Target) -> float:
    """The weeks of planned flow whose wins land in the period: all of them without a
    pipeline, else the pipeline's (`open_deals`)."""
    return f.pipeline.flow_weeks if f.pipeline is not None else t.weeks


def _closed_form(f: RepFunnel, t: Target, plan: PlanVolumes,
                 benchmark: Sequence[float] | None) -> Projection:
    """The projection at the point estimates; its spread is filled in by `project`."""
    start = plan.start(f)
    refs = reference_rates(f, plan, benchmark)
    steps = _flows(f, plan, start, refs)
    flow = float(steps[-1].expected_per_week or 0.0) * flow_weeks(f, t)
    pipe = f.pipeline
    held = pipe.expected if pipe is not None else 0.0
    wins = flow + (float(pipe.chances.sum()) if pipe is not None else 0.0)
    revenue = held + flow * f.deal_size.mean
    b = binding(f, start, refs)
    scale = _scale(t.quota - held, revenue - held)
    return Projection(
        key=f.key, target=t, deal_size=f.deal_size.mean, steps=steps,
        start_step=f.steps[start], expected_wins=wins, expected_revenue=revenue,
        p10=revenue, p50=revenue, p90=revenue, prob_target=float(revenue >= t.quota),
        binding_step=f.steps[b], binding_rate=f.rates[b].value,
        rate_needed=f.rates[b].value * scale,
        start_volume_needed=plan.per_week[f.steps[start]] * scale,
        pipeline_expected=held, flow_weeks=pipe.flow_weeks if pipe is not None else None,
        won=pipe.won if pipe is not None else 0.0,
    )


def _scale(short: float, flow: float) -> float:
    """How much the flow must grow to bring `short`: 0 when nothing is short."""
    if short <= 0:
        return 0.0
    return short / flow if flow > 0 else math.inf


def simulate_revenue(funnels: Sequence[RepFunnel], starts: np.ndarray, volumes: np.ndarray,
                     weeks: np.ndarray, *, draws: int, seed: int,
                     outcome_noise: bool = True) -> np.ndarray:
    """(reps, draws) revenue: rates and S from their posteriors, wins and deals by luck; and
    what each rep's pipeline brings: what is won, and the open deals won or not by their
    chances, moved with the win rate of the draw (`mc.draw_open`)."""
    rng = np.random.default_rng(seed)
    s = mc.stack(funnels)
    below = np.arange(s.value.shape[1])[None, :] >= starts[:, None]
    pipes = [f.pipeline for f in funnels]
    if all(p is None for p in pipes):
        chain = mc.draw_chain(rng, s, below, draws)
        return _flow(rng, s, (volumes * weeks)[:, None] * chain, outcome_noise)
    last = np.zeros_like(below)
    last[:, -1] = True
    win = mc.draw_chain(rng, s, last, draws)
    chain = mc.draw_chain(rng, s, below & ~last, draws) * win
    flow = _flow(rng, s, (volumes * weeks)[:, None] * chain, outcome_noise)
    won = np.array([p.won if p is not None else 0.0 for p in pipes])
    amounts = [p.amounts if p is not None else np.zeros(0) for p in pipes]
    chances = [p.chances if p is not None else np.zeros(0) for p in pipes]
    if not outcome_noise:
        held = np.array([a @ c for a, c in zip(amounts, chances, strict=True)])[:, None]
        return flow + won[:, None] + held
    lift = mc.odds(win) / mc.odds(s.value[:, -1:])
    return flow + won[:, None] + mc.draw_open(rng, amounts, chances, lift)


def _flow(rng: np.random.Generator, s: mc.Stacked, wins: np.ndarray,
          outcome_noise: bool) -> np.ndarray:
    """(reps, draws) revenue of the planned flow's expected wins in each draw."""
    deal = mc.draw_deal_means(rng, s, wins.shape[1])
    return mc.draw_revenue(rng, wins, deal, s.deal_cv) if outcome_noise else wins * deal


def project(funnels: Sequence[RepFunnel], targets: Sequence[Target],
            plans: Sequence[PlanVolumes], *,
            benchmarks: Sequence[Sequence[float] | None] | None = None,
            draws: int = DEFAULT_DRAWS, seed: int = mc.DEFAULT_SEED,
            outcome_noise: bool = True) -> list[Projection]:
    """Forward audits of many reps' plans at once (all funnels with the same steps).

    `benchmarks`: per rep, reference rates for steps the plan does not state (e.g. the
    team's rates), or None.
    """
    if not funnels:
        return []
    marks = benchmarks if benchmarks is not None else [None] * len(funnels)
    forms = [_closed_form(f, t, p, b) for f, t, p, b in zip(
        funnels, targets, plans, marks, strict=True)]
    starts = np.array([f.index(c.start_step) for f, c in zip(funnels, forms, strict=True)])
    volumes = np.array([p.per_week[c.start_step] for p, c in zip(plans, forms, strict=True)])
    weeks = np.array([flow_weeks(f, t) for f, t in zip(funnels, targets, strict=True)])
    revenue = simulate_revenue(funnels, starts, volumes, weeks, draws=draws, seed=seed,
                               outcome_noise=outcome_noise)
    q = mc.quantiles(revenue, QUANTILES)
    quotas = np.array([t.quota for t in targets], dtype=float)
    prob = (revenue >= quotas[:, None]).mean(axis=1)
    return [replace(c, p10=float(q[0, i]), p50=float(q[1, i]), p90=float(q[2, i]),
                    prob_target=float(prob[i])) for i, c in enumerate(forms)]
