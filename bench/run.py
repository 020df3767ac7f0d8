"""`make bench`: the metric report timed three ways at three scales; writes BENCHMARKS.md.

1. Simulate the org at each scale (cached in bench/data/, keyed by the settings and the
   simulator's source) and write it as canonical Parquet.
2. At each scale, run the report (bench/report.py: REPORT) as separate child processes:
   funnelwise on DuckDB, hand-written DuckDB SQL (bench/sql/), pandas. One untimed warm-up
   run per way (file cache, bytecode), whose results are compared for equality, then RUNS
   timed runs, interleaved. Wall time is the child's from start to exit (interpreter start and
   imports included); peak memory is the child's maximum resident set size.
3. Import: `funnelwise import` of the same org written as CSV, against plain DuckDB loading
   the same files into tables (bench/plain_import.py): time and peak memory.
4. Where funnelwise's time goes per metric at the largest scale (bench/anatomy.py), and its
   start-up package by package (bench/startup.py).
5. The plan Monte Carlo (bench/bench_plan.py).
6. Latency of a command on the demo workspace: `funnelwise --help` and `funnelwise winrates
   --by rep --format json` against a plain Python + DuckDB script answering the same question
   (bench/plain_winrates.py, its answer checked equal to funnelwise's), whole processes, runs
   interleaved; and where the command's start-up goes, package by package.
7. The dashboard under load (bench/serve_load.py): `funnelwise serve` on a new demo
   workspace, 8 clients over the pages and their JSON twins, cold and warm.

Run: .venv/bin/python bench/run.py [--scales 0.01,0.1,1] [--runs 3] [--out BENCHMARKS.md]
     .venv/bin/python bench/run.py --only-latency  (measures only 6, prints its section)
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from plain_winrates import differences
from report import REPORT, Metric
from write import Figures, Results, latency_markdown, write_markdown

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
PYTHON = sys.executable
FULL = {"reps": 200, "weeks": 104, "seed": 7, "scale_activities": 5.9, "conversion": 1.65}
WAYS = ("funnelwise", "sql", "pandas")
TEXT = ("parent", "source")
TARGET_SQL, TARGET_PANDAS, TARGET_MEMORY_GB = 1.3, 5.0, 2.0
FUNNELWISE = str(Path(PYTHON).parent / "funnelwise")


@dataclass(frozen=True)
class Run:
    """One child process: wall seconds, peak RSS bytes, and its own timings after start-up."""

    wall: float
    rss: int
    report: float
    parts: dict[str, float]


# ---------------------------------------------------------------- data


def settings(fraction: float) -> dict:
    return {**FULL, "scale_activities": round(FULL["scale_activities"] * fraction, 6)}


def data_dir(fraction: float, fmt: str) -> Path:
    source = sorted((ROOT / "src" / "funnelwise" / "simulate").glob("*.py"))
    digest = hashlib.sha256(json.dumps(settings(fraction), sort_keys=True).encode())
    for path in source:
        digest.update(path.read_bytes())
    return DATA / f"{fmt}-{fraction:g}-{digest.hexdigest()[:10]}"


def ensure_data(fraction: float, fmt: str) -> tuple[Path, dict[str, int]]:
    """The simulated org at this scale as `fmt` files (written once, then reused).

    The simulator runs in a child process, so this one stays small.
    """
    folder = data_dir(fraction, fmt)
    done = folder / "counts.json"
    if not done.exists():
        say(f"simulating {fraction:g} scale as {fmt} into {folder.relative_to(ROOT)}")
        script = ("import json, sys; from pathlib import Path; "
                  "from funnelwise.simulate import SimConfig, simulate_org, write_org; "
                  "config = SimConfig(**json.loads(sys.argv[1])); "
                  "counts = write_org(simulate_org(config), Path(sys.argv[2]), fmt=sys.argv[3]); "
                  "(Path(sys.argv[2]) / 'counts.json').write_text(json.dumps(counts))")
        subprocess.run([PYTHON, "-c", script, json.dumps(settings(fraction)), str(folder), fmt],
                       check=True, cwd=ROOT)
    return folder, json.loads(done.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- running children


def child(args: list[str]) -> tuple[float, int, str]:
    """Run a child process; its wall seconds, peak RSS (bytes) and stdout."""
    measured, out = measured_child(args)
    return measured["wall"], measured["rss"], out


def measured_child(args: list[str]) -> tuple[dict[str, Any], str]:
    """Run a child process; bench/measure.py's figures of it (wall and CPU seconds, peak RSS
    in bytes) and its stdout.

    Children may write bytecode (the warm-up run does), as an installed package has it.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    with tempfile.TemporaryDirectory(prefix="funnelwise-measure-") as tmp:
        figures = Path(tmp) / "measure.json"
        proc = subprocess.run([PYTHON, str(HERE / "measure.py"), str(figures), *args],
                              capture_output=True, text=True, cwd=ROOT, env=env, check=False)
        measured = json.loads(figures.read_text()) if figures.exists() else {"code": -1}
    if proc.returncode != 0 or measured["code"] != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{proc.stderr}")
    return measured, proc.stdout


def command(way: str, data: Path, out: Path) -> list[str]:
    names = [m.name for m in REPORT]
    scripts = {"funnelwise": ["report.py"], "sql": ["sql_report.py", *names],
               "pandas": ["pandas_report.py", *names]}
    script, *rest = scripts[way]
    return [PYTHON, str(HERE / script), str(data), str(out), *rest]


def run_way(way: str, data: Path, out: Path) -> Run:
    out.mkdir(parents=True, exist_ok=True)
    wall, rss, text = child(command(way, data, out))
    info = json.loads(text.strip().splitlines()[-1])
    return Run(wall=wall, rss=rss, report=info["report"], parts=info["parts"])


def median_way(runs: list[Run]) -> Figures:
    parts = {k: statistics.median(r.parts[k] for r in runs) for k in runs[0].parts}
    return Figures(wall=statistics.median(r.wall for r in runs),
               rss=int(statistics.median(r.rss for r in runs)),
               report=statistics.median(r.report for r in runs), parts=parts,
               walls=tuple(r.wall for r in runs))


# ---------------------------------------------------------------- equality


def figures(frame: pd.DataFrame, metric: Metric) -> pd.DataFrame:
    """The compared columns, rows in key order, numbers as floats (ints stay exact), text
    (`parent`, `source`) as it is."""
    cols = [*metric.keys, *metric.figures]
    out = frame[cols].sort_values(list(metric.keys)).reset_index(drop=True)
    for col in metric.figures:
        if col not in TEXT:
            out[col] = pd.to_numeric(out[col]).astype("float64")
    return out


def check_equal(outs: dict[str, Path]) -> list[str]:
    """Compare every way's figures with funnelwise's; the problems found (none = equal)."""
    problems = []
    for metric in REPORT:
        base = figures(pd.read_parquet(outs["funnelwise"] / f"{metric.name}.parquet"), metric)
        for way in WAYS[1:]:
            other = figures(pd.read_parquet(outs[way] / f"{metric.name}.parquet"), metric)
            try:
                pd.testing.assert_frame_equal(base, other, check_dtype=False, rtol=1e-9,
                                              atol=1e-9)
            except AssertionError as exc:
                problems.append(f"{metric.name}: {way} differs from funnelwise: {exc}"[:2000])
    return problems


# ---------------------------------------------------------------- one scale


def bench_scale(fraction: float, runs: int) -> tuple[dict[str, int], dict[str, Figures]]:
    data, counts = ensure_data(fraction, "parquet")
    with tempfile.TemporaryDirectory(prefix="funnelwise-bench-") as tmp:
        outs = {way: Path(tmp) / way for way in WAYS}
        for way in WAYS:
            run_way(way, data, outs[way])
        problems = check_equal(outs)
        if problems:
            raise SystemExit("results differ:\n" + "\n".join(problems))
        say(f"{fraction:g}: results equal (funnelwise, SQL, pandas)")
        timed: dict[str, list[Run]] = {way: [] for way in WAYS}
        for n in range(runs):
            for way in WAYS:
                timed[way].append(run_way(way, data, Path(tmp) / f"{way}-{n}"))
            say(f"{fraction:g}: run {n + 1}: " + ", ".join(
                f"{way} {timed[way][-1].wall:.2f} s" for way in WAYS))
    return counts, {way: median_way(timed[way]) for way in WAYS}


def import_rate(fraction: float, runs: int) -> tuple[int, float, int, float, int]:
    """`funnelwise import` of the org as CSV into a new workspace against plain DuckDB loading
    the same files (bench/plain_import.py), runs interleaved: rows, then wall seconds and peak
    RSS of each (medians)."""
    data, counts = ensure_data(fraction, "csv")
    timed: dict[str, list[tuple[float, int]]] = {"funnelwise": [], "plain": []}
    for _ in range(runs):
        for way in timed:
            with tempfile.TemporaryDirectory(prefix="funnelwise-import-") as tmp:
                ws = str(Path(tmp) / "ws.duckdb")
                # the import itself: the accuracy measured after it is a backtest, not a load
                args = ([FUNNELWISE, "import", "--no-accuracy", "--workspace", ws,
                         str(data)] if way == "funnelwise"
                        else [PYTHON, str(HERE / "plain_import.py"), str(data), ws])
                wall, rss, _ = child(args)
            timed[way].append((wall, rss))
    fw, plain = (timed[w] for w in ("funnelwise", "plain"))
    rows = sum(counts.values())
    return (rows, statistics.median(w for w, _ in fw), int(statistics.median(r for _, r in fw)),
            statistics.median(w for w, _ in plain),
            int(statistics.median(r for _, r in plain)))


def anatomy(fraction: float) -> dict[str, dict[str, float]]:
    """bench/anatomy.py at this scale: compile, execute and whole-metric seconds per metric."""
    data, _ = ensure_data(fraction, "parquet")
    _, _, text = child([PYTHON, str(HERE / "anatomy.py"), str(data)])
    return json.loads(text.strip().splitlines()[-1])


def startup_parts(runs: int) -> dict[str, float]:
    """bench/startup.py's seconds per step, the bare interpreter's start and exit, and the
    exit of a process holding those modules (its wall time less the steps and the bare
    interpreter's); medians of runs."""
    samples, bare, exits = [], [], []
    for _ in range(runs):
        wall, _, text = child([PYTHON, str(HERE / "startup.py")])
        samples.append(json.loads(text.strip().splitlines()[-1]))
        bare.append(child([PYTHON, "-c", "pass"])[0])
        exits.append(wall - sum(samples[-1].values()) - bare[-1])
    out = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
    out["interpreter"] = statistics.median(bare)
    out["exit"] = max(statistics.median(exits), 0.0)
    return out


def latency(runs: int) -> dict[str, Any]:
    """Whole-process wall time, CPU time and peak memory (medians of `runs`, interleaved) of
    each command of `latency_commands` on a new demo workspace, after one untimed run each
    (bytecode, file cache) whose answers are compared; and `-X importtime` of winrates."""
    with tempfile.TemporaryDirectory(prefix="funnelwise-latency-") as tmp:
        ws = str(Path(tmp) / "demo.duckdb")
        subprocess.run([FUNNELWISE, "demo", "--workspace", ws], check=True, cwd=ROOT,
                       capture_output=True)
        commands = latency_commands(ws)
        answers = {name: child(args)[2] for name, args in commands.items()}
        problems = differences(json.loads(answers["winrates"]), json.loads(answers["plain"]))
        if problems:
            raise SystemExit("winrates: plain script differs:\n" + "\n".join(problems))
        say("latency: winrates and the plain script give the same answer")
        timed: dict[str, list[dict[str, Any]]] = {name: [] for name in commands}
        load_before = load()
        for _ in range(runs):
            for name, args in commands.items():
                timed[name].append(measured_child(args)[0])
        load_after = load()
        imports = import_self_times([PYTHON, "-X", "importtime", *commands["winrates"]])
    figures = {name: {"wall": statistics.median(m["wall"] for m in t),
                      "cpu": statistics.median(m["cpu"] for m in t),
                      "rss": int(statistics.median(m["rss"] for m in t)),
                      "walls": [m["wall"] for m in t]} for name, t in timed.items()}
    say("latency: " + ", ".join(f"{n} {f['wall']:.3f} s ({f['cpu']:.3f} s CPU)"
                                for n, f in figures.items()))
    return {"runs": runs, "commands": figures, "imports": imports,
            "load": [load_before, load_after]}


def latency_commands(ws: str) -> dict[str, list[str]]:
    """The commands the latency section times, by name, over workspace `ws`."""
    return {
        "help": [FUNNELWISE, "--help"],
        "winrates": [FUNNELWISE, "winrates", "--by", "rep", "--format", "json",
                     "--workspace", ws],
        "plain": [PYTHON, str(HERE / "plain_winrates.py"), ws],
        "interpreter": [PYTHON, "-c", "pass"],
    }


def import_self_times(args: list[str]) -> dict[str, float]:
    """`python -X importtime` of a command: seconds spent importing each top-level package
    (its modules' own times added up), largest first."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env, check=True)
    totals: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        fields = line.removeprefix("import time:").split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue
        package = fields[2].strip().split(".")[0]
        totals[package] = totals.get(package, 0.0) + int(fields[0]) / 1e6
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def serve_figures(clients: int, requests: int) -> dict[str, Any]:
    """bench/serve_load.py on a new demo workspace: req/s, p50 and p95, cold and warm."""
    with tempfile.TemporaryDirectory(prefix="funnelwise-serve-") as tmp:
        ws = str(Path(tmp) / "demo.duckdb")
        subprocess.run([FUNNELWISE, "demo", "--workspace", ws], check=True, cwd=ROOT,
                       capture_output=True)
        _, _, text = child([PYTHON, str(HERE / "serve_load.py"), "--workspace", ws,
                            "--clients", str(clients), "--requests", str(requests)])
    figures = json.loads(text.strip().splitlines()[-1])
    warm = figures["warm"]
    say(f"dashboard, warm: {warm['per_second']:.0f} req/s, p95 {warm['p95']:.0f} ms")
    return {"clients": clients, "requests": requests, **figures}


def plan_figure() -> str:
    _, _, text = child([PYTHON, str(HERE / "bench_plan.py")])
    return text.strip().splitlines()[-1]


# ---------------------------------------------------------------- the machine


def machine() -> dict[str, str]:
    def first(path: str, key: str) -> str:
        try:
            for line in Path(path).read_text().splitlines():
                if line.startswith(key):
                    return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "unknown"

    import duckdb
    import ibis
    import numpy
    import pyarrow
    import scipy

    memory = first("/proc/meminfo", "MemTotal")
    gb = f"{int(memory.split()[0]) / 1024**2:.1f} GB" if memory != "unknown" else memory
    return {
        "CPU": f"{first('/proc/cpuinfo', 'model name')}, {os.cpu_count()} cores (nproc)",
        "memory": gb,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "versions": f"duckdb {duckdb.__version__}, ibis {ibis.__version__}, pandas "
                    f"{pd.__version__}, numpy {numpy.__version__}, pyarrow "
                    f"{pyarrow.__version__}, scipy {scipy.__version__}",
    }


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def say(text: str) -> None:
    print(f"bench: {text}", flush=True)


# ---------------------------------------------------------------- entry point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="0.01,0.1,1")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--import-scales", default="0.01,0.1")
    parser.add_argument("--import-runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--no-plan", action="store_true")
    parser.add_argument("--latency-runs", type=int, default=10)
    parser.add_argument("--only-latency", action="store_true",
                        help="Measure only the commands' latency and print its section.")
    parser.add_argument("--no-serve", action="store_true")
    parser.add_argument("--serve-clients", type=int, default=8)
    parser.add_argument("--serve-requests", type=int, default=2000)
    parser.add_argument("--rewrite", action="store_true",
                        help="Only write the Markdown again from bench/data/results.json.")
    args = parser.parse_args()
    if args.rewrite:
        saved = Results.from_json(json.loads((DATA / "results.json").read_text()))
        args.out.write_text(write_markdown(saved), encoding="utf-8")
        return
    if args.only_latency:
        print(latency_markdown(latency(args.latency_runs), {}))
        return
    started, load_before = dt.datetime.now(), load()
    scales = {}
    for fraction in (float(x) for x in args.scales.split(",")):
        scales[fraction] = bench_scale(fraction, args.runs)
    parts = anatomy(max(scales))
    startup = startup_parts(args.runs)
    imports = {}
    for fraction in (float(x) for x in args.import_scales.split(",") if x):
        imports[fraction] = import_rate(fraction, args.import_runs)
        rows_, wall, _, plain, _ = imports[fraction]
        say(f"import {fraction:g}: {rows_ / wall:,.0f} rows/s, {wall / plain:.2f}x plain DuckDB")
    plan = "" if args.no_plan else plan_figure()
    latencies = latency(args.latency_runs)
    serve = {} if args.no_serve else serve_figures(args.serve_clients, args.serve_requests)
    results = Results(
        started=started, machine=machine(), load=(load_before, load()), runs=args.runs,
        full=dict(FULL), scales=scales, anatomy=parts, startup=startup, imports=imports,
        import_runs=args.import_runs,
        plan=plan, serve=serve, report=tuple(m.name for m in REPORT),
        targets=(TARGET_SQL, TARGET_PANDAS, TARGET_MEMORY_GB), latency=latencies,
    )
    DATA.mkdir(exist_ok=True)
    (DATA / "results.json").write_text(json.dumps(results.to_json(), indent=1), encoding="utf-8")
    args.out.write_text(write_markdown(results), encoding="utf-8")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
