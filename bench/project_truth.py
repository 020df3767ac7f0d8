"""P(target) of `funnelwise project` against what simulated reps then won: docs/plan.md.

    .venv/bin/python bench/project_truth.py [SEED ...]      (default: seeds 1-20)

For each seed: simulate 40 reps x 66 weeks (to 2026-10-04) and cut the CRM at CUT
(2026-06-29): every figure is read from the CRM as it stood at the start of that day
(`metrics.asof`), nothing after it. Each rep's 2026-Q3 quota is the target and the planned
volume is the outreach the rep really made in the quarter, per week, as a forward plan would
state it. `project` then gives each rep's P(target) with the workspace's figures as of the
cut, two ways: as the command reads them (`Options(forward=True)`: rates since a recent
change, the open pipeline, the flow's timing) and from the look-back rates and the flow alone
(`forward=False`, how it read them before). The outcome: the revenue the rep won in 2026-Q3
reached the quota.

Scored by the Brier score, against a constant P(target) equal to the share of reps who
reached their quota (known only afterwards, so the hardest constant to beat), and by a
reliability table: predicted against observed, by tenth of probability. For the reps with a
planted conversion drop, projected over won revenue shows whether the drop is planned with.
About 10 seconds a seed.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from funnelwise.io.engines import duckdb_crm
from funnelwise.metrics.asof import crm_as_of
from funnelwise.metrics.funnel import funnel_counts
from funnelwise.plan import PlanVolumes, parse_period, project
from funnelwise.plan.estimate import Options
from funnelwise.plan.groups import load_groups
from funnelwise.schema.crm import Crm
from funnelwise.simulate import SimConfig, simulate_org, write_org

SEEDS = tuple(range(1, 21))
CUT = dt.date(2026, 6, 29)
PERIOD = parse_period("2026-Q3")
WAYS = {"project": True, "look-back rates, flow only": False}
BINS = np.linspace(0.0, 1.0, 11)


def realised(crm: Crm) -> tuple[pd.Series, pd.Series]:
    """Per rep: outreach per week made in the period, and revenue won in it."""
    counts = funnel_counts(crm, by="rep", since=PERIOD.start, until=PERIOD.end).to_pandas()
    outreach = counts.set_index("key")["s0_count"].astype(float)  # the funnel's first step
    o = crm.opportunities
    start = dt.datetime.combine(PERIOD.start, dt.time())
    end = dt.datetime.combine(PERIOD.end + dt.timedelta(days=1), dt.time())
    won = o.filter(o.status == "won", o.closed_at >= start, o.closed_at < end)
    revenue = won.group_by("owner_rep_id").aggregate(won=won.amount.sum()).to_pandas()
    return (outreach / (PERIOD.days / 7), revenue.set_index("owner_rep_id")["won"])


def seed_rows(seed: int) -> pd.DataFrame:
    """One row per rep and way: P(target), projected and won revenue, quota, planted drop."""
    with tempfile.TemporaryDirectory() as tmp:
        org = simulate_org(SimConfig(reps=40, weeks=66, seed=seed))
        write_org(org, Path(tmp), fmt="parquet")
        crm = duckdb_crm(Path(tmp))
        outreach, won = realised(crm)
        cut = crm_as_of(crm, CUT)
        rows = []
        for way, forward in WAYS.items():
            groups = load_groups(cut, PERIOD, Options(forward=forward), as_of=CUT)
            step = groups.funnels[0].steps[0]
            plans = [PlanVolumes({step: float(outreach.get(f.key, 0.0))})
                     for f in groups.funnels]
            for p in project(list(groups.funnels), list(groups.targets), plans):
                rows.append({"seed": seed, "way": way, "rep": p.key, "p": p.prob_target,
                             "projected": p.expected_revenue, "quota": p.target.quota,
                             "won": float(won.get(p.key, 0.0)),
                             "drop": org.truth["reps"][p.key]["drop"] is not None})
    out = pd.DataFrame(rows)
    out["hit"] = out["won"] >= out["quota"]
    return out


def brier(p: pd.Series, hit: pd.Series) -> float:
    return float(((p - hit.astype(float)) ** 2).mean())


def summary(rows: pd.DataFrame) -> list[str]:
    base = rows["hit"].mean()
    lines = ["| way | rep-quarters | Brier | constant rate | Brier / constant "
             "| projected / won, planted drops |", "|---|---|---|---|---|---|"]
    for way, part in rows.groupby("way", sort=False):
        b, c = brier(part["p"], part["hit"]), brier(pd.Series(base, index=part.index),
                                                    part["hit"])
        drops = part[part["drop"]]
        lines.append(f"| {way} | {len(part)} | {b:.3f} | {c:.3f} ({base:.1%} reached) "
                     f"| {b / c:.2f} | {drops['projected'].sum() / drops['won'].sum():.2f} "
                     f"({len(drops)} reps) |")
    return lines


def reliability(part: pd.DataFrame) -> list[str]:
    lines = ["| P(target) | rep-quarters | mean P(target) | reached |", "|---|---|---|---|"]
    where = np.clip(np.digitize(part["p"], BINS) - 1, 0, len(BINS) - 2)
    for i, group in part.groupby(where):
        lines.append(f"| {BINS[i]:.0%}-{BINS[i + 1]:.0%} | {len(group)} "
                     f"| {group['p'].mean():.1%} | {group['hit'].mean():.1%} |")
    return lines


def main(seeds: tuple[int, ...]) -> None:
    rows = pd.concat([seed_rows(seed) for seed in seeds], ignore_index=True)
    print("\n".join(summary(rows)))
    for way, part in rows.groupby("way", sort=False):
        print(f"\n{way}:\n" + "\n".join(reliability(part)))


if __name__ == "__main__":
    main(tuple(int(s) for s in sys.argv[1:]) or SEEDS)
