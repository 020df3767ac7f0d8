"""Plan intervals against simulated truth over several seeds: the table in docs/plan.md.

    .venv/bin/python bench/plan_truth.py 1 2 3 4 5 6 7 8 9 11 12 13 14 15 16

For each seed: simulate 30 reps x 52 weeks, import, plan every rep for 2026-Q3 with the
default settings, and count the reps whose interval at each step holds the requirement
computed from the rep's true rates and mean deal size, and the reps whose intervals hold it
at every step at once (a few seconds a seed).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.plan import parse_period, plan_reps, required
from funnelwise.plan.estimate import Options
from funnelwise.plan.groups import load_groups
from funnelwise.simulate import SimConfig, simulate_org, write_org
from funnelwise.simulate.truth import history_rates


def seed_rows(seed: int) -> tuple[tuple[str, ...], np.ndarray]:
    """The plan's steps and (reps, steps): True where a step's interval holds the truth."""
    with tempfile.TemporaryDirectory() as tmp:
        org = simulate_org(SimConfig(reps=30, weeks=52, seed=seed))
        write_org(org, Path(tmp))
        with Workspace(Path(tmp) / "ws.duckdb") as ws:
            run_import(ws, [Path(tmp)], presets.get("canonical"))
            groups = load_groups(ws.crm(), parse_period("2026-Q3"), Options())
    plans = plan_reps(list(groups.funnels), list(groups.targets))
    reps = org.truth["reps"]
    inside = []
    for p in plans:
        f = p.funnel
        want = required(p.target.quota, reps[f.key]["deal_size_mean"],
                        history_rates(org.truth, f.key, f.steps[:-1]))
        inside.append([s.total_lo <= w <= s.total_hi for s, w in zip(p.steps, want,
                                                                     strict=True)])
    return plans[0].funnel.steps, np.array(inside)


def main(seeds: list[int]) -> None:
    rows = []
    for seed in seeds:
        steps, inside = seed_rows(seed)
        if not rows:
            print(f"| seed | {' | '.join(steps)} | every step |\n|---|"
                  + "---|" * (len(steps) + 1))
        rows.append(inside)
        cells = [f"{int(c)}/{len(inside)}" for c in (*inside.sum(axis=0), inside.all(axis=1).sum())]
        print(f"| {seed} | {' | '.join(cells)} |", flush=True)
    both = np.concatenate(rows)
    cells = [f"{s:.1%}" for s in (*both.mean(axis=0), both.all(axis=1).mean())]
    print(f"| all ({len(both)} reps) | {' | '.join(cells)} |")


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [11])
