"""Coaching flags against simulated truth over several seeds: the table in docs/coaching.md.

    .venv/bin/python bench/coach_truth.py 11 1 2 3 4 5 6 7

For each seed: simulate 80 reps x 52 weeks, import, run the drop, missed-goal and pipeline
rules with the default settings, and count the planted drops flagged at their step, the
missed goals flagged, and the noise-only reps flagged by either rule (about a minute a seed).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from funnelwise.coach.context import build_context
from funnelwise.coach.rules import Flag, run_rules
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.simulate import SimConfig, simulate_org, write_org

RULES = ["conversion_drop", "activity_goal_missed", "pipeline_gap"]


def has(flags: list[Flag], rep: str, rule: str, step: str | None = None) -> bool:
    return any(f.rep == rep and f.rule == rule and step in (None, f.step) for f in flags)


def seed_row(seed: int) -> tuple[int, int, int, int, int, int]:
    with tempfile.TemporaryDirectory() as tmp:
        org = simulate_org(SimConfig(reps=80, weeks=52, seed=seed))
        write_org(org, Path(tmp))
        with Workspace(Path(tmp) / "ws.duckdb") as ws:
            run_import(ws, [Path(tmp)], presets.get("canonical"))
            flags = run_rules(build_context(ws.crm()), RULES)
    reps = org.truth["reps"]
    drops = [r for r, t in reps.items() if t["drop"]]
    missed = [r for r, t in reps.items() if t["missed_goal"]]
    noise = [r for r, t in reps.items() if t["noise_only"]]
    return (sum(has(flags, r, "conversion_drop", reps[r]["drop"]["step"]) for r in drops),
            len(drops), sum(has(flags, r, "activity_goal_missed") for r in missed),
            len(missed), sum(has(flags, r, "conversion_drop")
                             or has(flags, r, "activity_goal_missed") for r in noise),
            len(noise))


def main(seeds: list[int]) -> None:
    total = [0] * 6
    print("| seed | drops | missed goals | noise-only flagged |\n|---|---|---|---|")
    for seed in seeds:
        row = seed_row(seed)
        total = [a + b for a, b in zip(total, row, strict=True)]
        print(f"| {seed} | {row[0]}/{row[1]} | {row[2]}/{row[3]} | {row[4]}/{row[5]} |",
              flush=True)
    print(f"| all | {total[0]}/{total[1]} | {total[2]}/{total[3]} | {total[4]}/{total[5]} |")


if __name__ == "__main__":
    main([int(s) for s in sys.argv[1:]] or [11])
