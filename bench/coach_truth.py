"""Coaching flags against simulated truth over several seeds: the table in docs/coaching.md.

    .venv/bin/python bench/coach_truth.py 11 1 2 3 4 5 6 7
    .venv/bin/python bench/coach_truth.py --burst 11 1 2 3 4 5 6 7

For each seed: simulate 80 reps x 52 weeks, import, run the drop, missed-goal and pipeline
rules with the default settings, and count the planted drops flagged at their step, the
missed goals flagged, and the noise-only reps flagged by either rule (about a minute a seed).
`--burst` first adds deals loaded in a burst in the first weeks (`tests.coach.burst`), and
counts the reps flagged on meeting -> qualified without a planted drop there.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.coach.burst import add_burst

from funnelwise.coach.context import build_context
from funnelwise.coach.rules import Flag, run_rules
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.simulate import SimConfig, simulate_org, write_org

RULES = ["conversion_drop", "activity_goal_missed", "pipeline_gap"]
STEP = "meeting"


def has(flags: list[Flag], rep: str, rule: str, step: str | None = None) -> bool:
    return any(f.rep == rep and f.rule == rule and step in (None, f.step) for f in flags)


def seed_row(seed: int, burst: bool = False) -> tuple[int, ...]:
    with tempfile.TemporaryDirectory() as tmp:
        org = simulate_org(SimConfig(reps=80, weeks=52, seed=seed))
        data = Path(tmp) / "org"
        write_org(org, data)
        if burst:
            add_burst(data, Path(tmp) / "burst")
            data = Path(tmp) / "burst"
        with Workspace(data / "ws.duckdb") as ws:
            run_import(ws, [data], presets.get("canonical"))
            flags = run_rules(build_context(ws.crm()), RULES)
    reps = org.truth["reps"]
    at_step = [r for r, t in reps.items() if not (t["drop"] and t["drop"]["step"] == STEP)]
    drops = [r for r, t in reps.items() if t["drop"]]
    missed = [r for r, t in reps.items() if t["missed_goal"]]
    noise = [r for r, t in reps.items() if t["noise_only"]]
    return (sum(has(flags, r, "conversion_drop", reps[r]["drop"]["step"]) for r in drops),
            len(drops), sum(has(flags, r, "activity_goal_missed") for r in missed),
            len(missed), sum(has(flags, r, "conversion_drop")
                             or has(flags, r, "activity_goal_missed") for r in noise),
            len(noise), sum(has(flags, r, "conversion_drop", STEP) for r in at_step),
            len(at_step))


def main(seeds: list[int], burst: bool = False) -> None:
    total = [0] * 8
    print("| seed | drops | missed goals | noise-only flagged | meeting -> qualified, no drop |"
          "\n|---|---|---|---|---|")
    for seed in seeds:
        row = seed_row(seed, burst)
        total = [a + b for a, b in zip(total, row, strict=True)]
        print(f"| {seed} | {row[0]}/{row[1]} | {row[2]}/{row[3]} | {row[4]}/{row[5]} | "
              f"{row[6]}/{row[7]} |", flush=True)
    print(f"| all | {total[0]}/{total[1]} | {total[2]}/{total[3]} | {total[4]}/{total[5]} | "
          f"{total[6]}/{total[7]} |")


if __name__ == "__main__":
    args = sys.argv[1:]
    main([int(s) for s in args if s != "--burst"] or [11], burst="--burst" in args)
