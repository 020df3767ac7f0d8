"""Win-rate intervals against simulated truth: the table in docs/metrics.md.

    .venv/bin/python bench/winrate_truth.py [SEED ...]      (default: seeds 2001-2100)

For each seed and history length (26 and 52 weeks): simulate 40 reps, import them, and run
`funnelwise winrates` by rep at the 50%, 80% and 95% levels and by team at 95%. An interval
holds the truth when it contains the rep's true win rate (truth.json); a team's true rate is
its reps' true rates weighted by their closed deals, the rate its closed deals were won at on
average. Reps far from their team: a true rate more than FAR (0.10, about one standard
deviation of the simulated reps' rates) from the mean true rate of their team. A miss is
toward the team when the interval lies between the truth and the team's rate: the rep was
pulled too far. `±` is the standard error over seeds (the prior is learnt per org, so reps of
one seed miss together: the seed, not the rep, is the unit of chance; 100 seeds bring it to
about a point). About a second a seed and history length.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from funnelwise.io.engines import duckdb_crm
from funnelwise.metrics.winrates import winrates
from funnelwise.simulate import SimConfig, simulate_org, write_org

SEEDS = tuple(range(2001, 2101))
HISTORIES = (26, 52)
REPS = 40
LEVELS = (0.5, 0.8, 0.95)
FAR = 0.10


def measured(seed: int, weeks: int) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Win rates by rep (one column set per level) and by team at 95%, and the truth."""
    with tempfile.TemporaryDirectory() as tmp:
        org = simulate_org(SimConfig(reps=REPS, weeks=weeks, seed=seed))
        write_org(org, Path(tmp), fmt="parquet")
        crm = duckdb_crm(Path(tmp))
        reps = [winrates(crm, by="rep", level=level).frame.set_index("key")
                for level in LEVELS]
        teams = winrates(crm, by="team").frame.set_index("key")
    out = reps[-1][["parent", "closed", "win_rate_est", "parent_rate"]].copy()
    for level, frame in zip(LEVELS, reps, strict=True):
        out[f"lo{level}"], out[f"hi{level}"] = frame["win_rate_lo"], frame["win_rate_hi"]
    return out, teams, org.truth


def rep_rows(seed: int, weeks: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per rep: inside at each level, far from the team, missed toward the team; per team:
    inside at 95%."""
    reps, teams, truth = measured(seed, weeks)
    reps["true"] = [truth["reps"][k]["win_rate"] for k in reps.index]
    team_true = reps.groupby("parent")["true"].transform("mean")
    for level in LEVELS:
        reps[f"in{level}"] = (reps[f"lo{level}"] <= reps["true"]) & (
            reps["true"] <= reps[f"hi{level}"])
    reps["far"] = (reps["true"] - team_true).abs() > FAR
    reps["toward"] = ~reps["in0.95"] & ((reps["win_rate_est"] - reps["true"])
                                         * (reps["parent_rate"] - reps["true"]) > 0)
    weighted = (reps["true"] * reps["closed"]).groupby(reps["parent"]).sum()
    teams["true"] = weighted / reps.groupby("parent")["closed"].sum()
    teams["in0.95"] = (teams["win_rate_lo"] <= teams["true"]) & (
        teams["true"] <= teams["win_rate_hi"])
    return reps.assign(seed=seed, weeks=weeks), teams.assign(seed=seed, weeks=weeks)


def share(flags: pd.Series, seeds: pd.Series) -> str:
    """Share of True, and its standard error over seeds (each seed's share, weighted)."""
    per = flags.groupby(seeds).agg(["sum", "count"])
    total = per["sum"].sum() / per["count"].sum()
    w = per["count"] / per["count"].sum()
    se = np.sqrt((w**2 * (per["sum"] / per["count"] - total) ** 2).sum()
                 * len(per) / max(len(per) - 1, 1))
    return f"{total:.1%} ± {se:.1%}"


def table_row(weeks: int, reps: pd.DataFrame, teams: pd.DataFrame) -> str:
    far, missed = reps[reps["far"]], reps[~reps["in0.95"]]
    cells = [f"{weeks} weeks", f"{len(reps)} ({reps['seed'].nunique()} seeds)",
             f"{reps['closed'].median():.0f}",
             *(share(reps[f"in{level}"], reps["seed"]) for level in LEVELS),
             f"{share(far['in0.95'], far['seed'])} ({len(far)})",
             f"{missed['toward'].mean():.0%} of {len(missed)}" if len(missed) else "none",
             f"{share(teams['in0.95'], teams['seed'])} ({len(teams)})"]
    return f"| {' | '.join(cells)} |"


def main(seeds: tuple[int, ...]) -> None:
    print("| history | reps | closed deals a rep (median) | 50% | 80% | 95% "
          "| far from team, 95% (reps) | misses toward the team | teams, 95% |")
    print("|---|---|---|---|---|---|---|---|---|")
    for weeks in HISTORIES:
        parts = [rep_rows(seed, weeks) for seed in seeds]
        reps = pd.concat([r for r, _ in parts])
        teams = pd.concat([t for _, t in parts])
        print(table_row(weeks, reps, teams), flush=True)


if __name__ == "__main__":
    main(tuple(int(s) for s in sys.argv[1:]) or SEEDS)
