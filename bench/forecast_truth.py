"""Forecast bands and P50 against what happened: the table in docs/forecast.md.

    .venv/bin/python bench/forecast_truth.py [--cache DIR] [--only maven] [--csv FILE]

Walk-forward backtests (monthly origins, horizon one quarter) of `funnelwise` and
`stage_weighted` on:

- Maven (`--preset maven`), origins 2017-04-01 to 2017-10-01;
- sparklesquad priced at list price (`--mapping docs/examples/sparklesquad/mapping.toml`),
  origins 2017-04-01 to 2017-10-01;
- the simulated org (80 reps x 52 weeks from 2025-06-30) with seeds 21, 22 and 23, origins
  2025-09-01 to 2026-03-01.

Maven and sparklesquad close their first deals in March 2017; before April no method has a
month of closes to learn from. Prints, per data set and pooled: origins, P10-P90 coverage,
WAPE of funnelwise and of stage_weighted, and the mean band width as a share of P50; with
`--origins` every origin too, with `--csv` both methods' origins to a file. Workspaces are
imported once into `--cache` (a temporary folder by default); `--only` runs one data set.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from funnelwise.forecast.backtest import DRAWS, run_backtest
from funnelwise.forecast.horizon import origins, parse_horizon
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.mapping import load_mapping
from funnelwise.io.workspace import Workspace
from funnelwise.simulate import SimConfig, simulate_org, write_org

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
MAVEN = SHARED / "maven-crm-sales-opportunities"
SPARKLE = SHARED / "sparklesquad-crm-dataworld"
SPARKLE_MAPPING = ROOT / "docs" / "examples" / "sparklesquad" / "mapping.toml"
QUARTER, MONTH = parse_horizon("1q"), parse_horizon("1m")
METHODS = ("funnelwise", "stage_weighted")
REAL_DAYS = origins(dt.date(2017, 4, 1), dt.date(2017, 10, 1), MONTH)
SIM_DAYS = origins(dt.date(2025, 9, 1), dt.date(2026, 3, 1), MONTH)
SEEDS = (21, 22, 23)


@dataclass(frozen=True)
class DataSet:
    name: str
    build: Callable[[Path], None]
    days: list[dt.date]


def _maven(path: Path) -> None:
    with Workspace(path) as ws:
        run_import(ws, [MAVEN], presets.get("maven"))


def _sparkle(path: Path) -> None:
    with Workspace(path) as ws:
        run_import(ws, [SPARKLE], load_mapping(SPARKLE_MAPPING))


def _simulated(seed: int) -> Callable[[Path], None]:
    def build(path: Path) -> None:
        data = path.parent / f"simulated{seed}"
        data.mkdir(exist_ok=True)
        write_org(simulate_org(SimConfig(reps=80, weeks=52, seed=seed)), data)
        with Workspace(path) as ws:
            run_import(ws, [data], presets.get("canonical"))
    return build


DATA_SETS = (DataSet("maven", _maven, REAL_DAYS), DataSet("sparklesquad", _sparkle, REAL_DAYS),
             *(DataSet(f"simulated {s}", _simulated(s), SIM_DAYS) for s in SEEDS))


def backtest(data: DataSet, cache: Path, draws: int) -> pd.DataFrame:
    """Every origin of one data set, both methods (imported into `cache` once)."""
    path = cache / f"{data.name.replace(' ', '_')}.duckdb"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        data.build(partial)
        partial.rename(path)
    with Workspace(path) as ws:
        b = run_backtest(ws.crm(), methods=METHODS, origins=data.days, horizon=QUARTER,
                         draws=draws)
    return b.origins.assign(data=data.name)


def scores(rows: pd.DataFrame) -> dict[str, object]:
    ours = rows[rows["method"] == "funnelwise"]
    base = rows[rows["method"] == "stage_weighted"]
    return {
        "origins": len(ours),
        "covered": int(ours["covered"].sum()),
        "coverage": float(ours["covered"].mean()),
        "wape": float(ours["error"].abs().sum() / ours["actual"].sum()),
        "wape_stage_weighted": float(base["error"].abs().sum() / base["actual"].sum()),
        "width": float(((ours["p90"] - ours["p10"]) / ours["p50"]).mean()),
    }


def table(rows: pd.DataFrame) -> str:
    lines = ["| data | origins | P10-P90 held | coverage | WAPE funnelwise | WAPE stage-weighted "
             "| band / P50 |", "|---|---|---|---|---|---|---|"]
    groups = [*rows.groupby("data", sort=False), ("pooled", rows)]
    for name, g in groups:
        s = scores(g)
        lines.append(f"| {name} | {s['origins']} | {s['covered']} | {s['coverage']:.0%} | "
                     f"{s['wape']:.1%} | {s['wape_stage_weighted']:.1%} | {s['width']:.0%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, help="folder to keep the imported workspaces in")
    parser.add_argument("--draws", type=int, default=DRAWS)
    parser.add_argument("--only", action="append", help="data set to run (repeatable)")
    parser.add_argument("--csv", type=Path, help="write every origin of both methods here")
    parser.add_argument("--origins", action="store_true", help="print every origin too")
    args = parser.parse_args()
    chosen = [d for d in DATA_SETS if not args.only or d.name in args.only]
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        frames = []
        for data in chosen:
            started = time.perf_counter()
            frames.append(backtest(data, cache, args.draws))
            print(f"{data.name}: {time.perf_counter() - started:.1f} s", flush=True)
    rows = pd.concat(frames, ignore_index=True)
    if args.csv:
        rows.to_csv(args.csv, index=False)
    print(table(rows))
    if args.origins:
        ours = rows[rows["method"] == "funnelwise"]
        cols = ["data", "origin", "actual", "p10", "p50", "p90", "covered"]
        print(ours[cols].to_string(index=False, float_format=lambda v: f"{v:,.0f}"))


if __name__ == "__main__":
    main()
