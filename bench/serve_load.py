"""The dashboard under load: `funnelwise serve` on a free loopback port, N clients at once.

Each client keeps one HTTP connection open (as a browser does), asks for gzip and reads
every byte. The URLs are every team page the app lists at /api and its JSON twin, with
default filters, and the first REPS reps' pages and twins; a client takes them in an order
shuffled from a fixed seed.

- cold: a freshly started server; the run begins with nothing computed but the overview
  (read to list the reps), so its first requests compute each page (what the first visitor
  of the day waits for);
- warm: the same run again on that server, every page kept (what a team sees after the
  first visit);
- slow page: on a fresh server with the overview kept, how long the overview takes while
  another client's forecast page is being computed (was: as long as the forecast).

Run: python bench/serve_load.py [--workspace demo.duckdb] [--clients 8] [--requests 2000]
Prints one line per run, then JSON (the last line) for bench/run.py.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
REPS = 4
SEED = 7
START = ("import sys; from funnelwise.cli.main import run; sys.argv[0] = 'funnelwise'; run()")


@dataclass(frozen=True)
class Load:
    """One run: requests, clients, wall seconds, throughput and latency (milliseconds)."""

    requests: int
    clients: int
    seconds: float
    per_second: float
    p50: float
    p95: float
    max: float
    failed: int


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(workspace: Path) -> Iterator[int]:
    """`funnelwise serve` on a free port of 127.0.0.1, stopped on leaving."""
    port = free_port()
    command = [sys.executable, "-c", START, "serve", "--workspace", str(workspace),
               "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True)
    try:
        deadline = time.monotonic() + 120
        while get(port, "/api")[0] != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"funnelwise serve did not start: {server.stderr.read()}")
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def get(port: int, path: str, conn: http.client.HTTPConnection | None = None
        ) -> tuple[int, float]:
    """(status, seconds) of one GET, the body read in full; status 0 when nothing answers."""
    own = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    start = time.perf_counter()
    try:
        own.request("GET", path, headers={"Accept-Encoding": "gzip"})
        response = own.getresponse()
        response.read()
        return response.status, time.perf_counter() - start
    except OSError:
        return 0, time.perf_counter() - start
    finally:
        if conn is None:
            own.close()


def read_json(port: int, path: str) -> Any:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    try:
        conn.request("GET", path)
        return json.loads(conn.getresponse().read())
    finally:
        conn.close()


def urls(port: int) -> list[str]:
    """Every page the app lists (a rep's for the first REPS reps) and the JSON twin of each."""
    pages = read_json(port, "/api")["pages"]
    reps = sorted(r["key"] for r in read_json(port, "/api/overview")["winrates"])[:REPS]
    out = []
    for page in pages:
        if "{rep_id}" in page["html"]:
            out += [page[kind].replace("{rep_id}", rep) for rep in reps
                    for kind in ("html", "json")]
        else:
            out += [page["html"], page["json"]]
    return out


def drive(port: int, paths: list[str], *, clients: int, requests: int) -> Load:
    """`requests` GETs spread over `clients` threads, each on its own kept-alive connection."""
    times: list[float] = []
    failed = [0]
    lock = threading.Lock()

    def client(index: int, count: int) -> None:
        order = random.Random(SEED + index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        for n in range(count):
            if n % len(paths) == 0:
                batch = order.sample(paths, len(paths))
            status, seconds = get(port, batch[n % len(paths)], conn)
            with lock:
                times.append(seconds)
                failed[0] += status != 200
        conn.close()

    shares = [requests // clients + (i < requests % clients) for i in range(clients)]
    threads = [threading.Thread(target=client, args=(i, n)) for i, n in enumerate(shares)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return Load(requests=len(times), clients=clients, seconds=round(wall, 2),
                per_second=round(len(times) / wall, 1), p50=round(cuts[49] * 1000, 1),
                p95=round(cuts[94] * 1000, 1), max=round(max(times) * 1000, 1),
                failed=failed[0])


def slow_page(workspace: Path) -> dict[str, float]:
    """Milliseconds of a kept overview page while a forecast page computes, and of the
    forecast itself, on a fresh server."""
    with serving(workspace) as port:
        get(port, "/")
        done: dict[str, float] = {}
        worker = threading.Thread(
            target=lambda: done.update(forecast=get(port, "/forecast")[1]))
        worker.start()
        time.sleep(0.5)
        during = get(port, "/")[1]
        worker.join()
    return {"overview_ms": round(during * 1000, 1),
            "forecast_ms": round(done["forecast"] * 1000, 1)}


def line(name: str, load: Load) -> str:
    return (f"{name}: {load.requests} requests, {load.clients} clients: "
            f"{load.per_second:.1f} req/s, p50 {load.p50:.0f} ms, p95 {load.p95:.0f} ms, "
            f"max {load.max:.0f} ms, {load.failed} failed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=ROOT / "demo.duckdb")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    if not args.workspace.exists():
        raise SystemExit(f"no workspace at {args.workspace}: run `make demo` first")
    load_before = os.getloadavg()[0]
    with serving(args.workspace) as port:
        paths = urls(port)
        cold = drive(port, paths, clients=args.clients, requests=args.requests)
        print(line("cold", cold), flush=True)
        warm = drive(port, paths, clients=args.clients, requests=args.requests)
        print(line("warm", warm), flush=True)
    slow = slow_page(args.workspace)
    print(f"slow page: the overview took {slow['overview_ms']:.0f} ms while the forecast "
          f"page computed ({slow['forecast_ms']:.0f} ms)", flush=True)
    print(json.dumps({"urls": len(paths), "cold": asdict(cold), "warm": asdict(warm),
                      "slow": slow, "load": [round(load_before, 2),
                                              round(os.getloadavg()[0], 2)]}))


if __name__ == "__main__":
    main()
