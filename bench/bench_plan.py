"""Time the forward audit's Monte Carlo: 200 reps x 10,000 draws (median of 3 runs).

Each rep has four uncertain rates (Beta posteriors), an uncertain average deal size and
outcome noise (Poisson wins, Gamma deal totals): the full `funnelwise project` workload.
Run: .venv/bin/python bench/bench_plan.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from funnelwise.plan import DealSize, PlanVolumes, Rate, RepFunnel, Target, project

REPS = 200
DRAWS = 10_000
RUNS = 3
STEPS = ("outreach", "conversation", "meeting", "qualified")


def reps(n: int, seed: int = 1) -> list[RepFunnel]:
    """n reps with rates and deal sizes spread like a real team, each from a few hundred deals."""
    rng = np.random.default_rng(seed)
    base = np.array([0.1, 0.38, 0.45, 0.3])
    out = []
    for i in range(n):
        values = np.clip(base * rng.lognormal(0, 0.2, 4), 0.01, 0.9)
        trials = rng.integers(50, 5000, 4)
        rates = tuple(Rate(step=s, value=float(v), alpha=float(v * t), beta=float((1 - v) * t))
                      for s, v, t in zip(STEPS, values, trials, strict=True))
        size = float(rng.lognormal(np.log(50_000), 0.4))
        out.append(RepFunnel(key=f"R{i:03d}", rates=rates, opportunity_step="qualified",
                             deal_size=DealSize(mean=size, se=size * 0.1, cv=0.55)))
    return out


def main() -> None:
    funnels = reps(REPS)
    targets = [Target(quota=600_000, weeks=13)] * REPS
    plans = [PlanVolumes({"outreach": 100.0})] * REPS
    times = []
    for run in range(RUNS):
        start = time.perf_counter()
        project(funnels, targets, plans, draws=DRAWS, seed=run)
        times.append(time.perf_counter() - start)
    print(f"project: {REPS} reps x {DRAWS:,} draws: median {statistics.median(times):.3f} s "
          f"(runs: {', '.join(f'{t:.3f}' for t in times)})")


if __name__ == "__main__":
    main()
