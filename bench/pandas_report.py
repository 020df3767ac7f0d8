"""The report in pandas, the way an analyst would write it, run as a child process.

The same figures as funnelwise and the SQL: Parquet read with `pd.read_parquet` (only the
columns needed), then group-bys. Activities are first counted per (rep, type, output), as the
SQL and funnelwise do, and the funnel's steps are sums over those counts.

Run: python bench/pandas_report.py DATA_DIR OUT_DIR METRIC...  (prints the time after
start-up, and per metric, as JSON)
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

OUTREACH = ["call", "email", "linkedin"]
CONVERSATION = ["connected", "replied"]


def teams(data: Path) -> pd.Series:
    reps = pd.read_parquet(data / "reps.parquet", columns=["rep_id", "team"])
    return reps.set_index("rep_id")["team"]


def with_parent(frame: pd.DataFrame, data: Path) -> pd.DataFrame:
    frame.insert(1, "parent", frame["key"].map(teams(data)).fillna("(all)"))
    return frame.sort_values("key").reset_index(drop=True)


def winrates(data: Path) -> pd.DataFrame:
    o = pd.read_parquet(data / "opportunities.parquet",
                        columns=["owner_rep_id", "status", "amount"])
    o = o[o["status"].isin(["won", "lost"])]
    won = o["status"] == "won"
    amount = o["amount"].fillna(0.0)
    g = pd.DataFrame({"key": o["owner_rep_id"], "won": won, "lost": ~won,
                      "won_value": amount.where(won, 0.0),
                      "lost_value": amount.where(~won, 0.0)}).groupby("key", as_index=False).sum()
    g["closed"] = g["won"] + g["lost"]
    g["win_rate"] = g["won"] / g["closed"]
    total = g["won_value"] + g["lost_value"]
    g["value_win_rate"] = g["won_value"] / total.where(total > 0)
    return with_parent(g, data)


def funnel(data: Path) -> pd.DataFrame:
    a = pd.read_parquet(data / "activities.parquet", columns=["rep_id", "type", "output"])
    per = a.groupby(["rep_id", "type", "output"], dropna=False).size().rename("n").reset_index()
    outreach = per["type"].isin(OUTREACH)
    steps = pd.DataFrame({
        "key": per["rep_id"],
        "outreach": per["n"].where(outreach, 0),
        "conversation": per["n"].where(outreach & per["output"].isin(CONVERSATION), 0),
        "meeting": per["n"].where((per["type"] == "meeting") & (per["output"] == "held"), 0),
    }).groupby("key").sum()
    o = pd.read_parquet(data / "opportunities.parquet", columns=["owner_rep_id", "status"])
    status = pd.crosstab(o["owner_rep_id"], o["status"])
    wide = steps.join(status.reindex(columns=["won", "lost", "open"], fill_value=0),
                      how="outer").fillna(0).astype("int64")
    wide["qualified"] = wide[["won", "lost", "open"]].sum(axis=1)
    return _funnel_rows(wide.rename_axis("key").reset_index(), data)


def _funnel_rows(w: pd.DataFrame, data: Path) -> pd.DataFrame:
    def rate(k: pd.Series, n: pd.Series) -> pd.Series:
        return k / n.where(n > 0)

    none = pd.Series(pd.NA, index=w.index, dtype="Int64")
    parts = [
        ("outreach", w["outreach"], none, none, none, rate(w["conversation"], w["outreach"])),
        ("conversation", w["conversation"], none, none, none,
         rate(w["meeting"], w["conversation"])),
        ("meeting", w["meeting"], none, none, none, rate(w["qualified"], w["meeting"])),
        ("qualified", w["qualified"], w["won"], w["lost"], w["open"],
         rate(w["won"], w["won"] + w["lost"])),
        ("won", w["won"], none, none, none, pd.Series(np.nan, index=w.index)),
    ]
    frames = [pd.DataFrame({"key": w["key"], "step": step, "_i": i, "count": count,
                            "advanced": adv, "dropped": drop, "open": still, "rate": r})
              for i, (step, count, adv, drop, still, r) in enumerate(parts)]
    rows = pd.concat(frames).sort_values(["key", "_i"]).drop(columns="_i")
    rows.insert(1, "parent", rows["key"].map(teams(data)).fillna("(all)"))
    return rows.reset_index(drop=True)


def cycle(data: Path) -> pd.DataFrame:
    o = pd.read_parquet(data / "opportunities.parquet",
                        columns=["owner_rep_id", "status", "created_at", "closed_at"])
    o = o[(o["status"] == "won") & o["created_at"].notna() & o["closed_at"].notna()]
    days = (o["closed_at"] - o["created_at"]).dt.total_seconds() / 86400
    g = days.groupby(o["owner_rep_id"])
    frame = pd.DataFrame({"won": g.size(), "mean_days": g.mean(),
                          "p25_days": g.quantile(0.25), "median_days": g.quantile(0.5),
                          "p75_days": g.quantile(0.75), "p90_days": g.quantile(0.9)})
    return with_parent(frame.rename_axis("key").reset_index(), data)


METRICS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "winrates": winrates, "funnel": funnel, "cycle": cycle,
}


def main(data: Path, out: Path, metrics: list[str]) -> None:
    start = time.perf_counter()
    times = {}
    for name in metrics:
        began = time.perf_counter()
        METRICS[name](data).to_parquet(out / f"{name}.parquet")
        times[name] = time.perf_counter() - began
    print(json.dumps({"report": time.perf_counter() - start, "parts": times}))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:])
