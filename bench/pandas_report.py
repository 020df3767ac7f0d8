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


POSITIVE = ["connected", "replied", "held"]
WINDOW_S = 30 * 86400


def _seconds(stamps: pd.Series) -> pd.Series:
    """Whole seconds since 1970."""
    return (stamps - pd.Timestamp(0)) // pd.Timedelta(seconds=1)


def _latest(outs: pd.DataFrame, acts: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per outcome, the rep's latest activity on the same `key` at most 30 days before it
    (`merge_asof` by the second; `acts` is sorted by second then activity id, so the same
    second goes to the larger id)."""
    o = outs[outs[key].notna()]
    a = acts[acts[key].notna()]
    m = pd.merge_asof(o[["outcome_id", "t", "rep", key]],
                      a[["t", "activity_id", "rep_id", key]].assign(at=a["t"]).rename(
                          columns={"rep_id": "rep"}),
                      on="t", by=["rep", key], tolerance=WINDOW_S, direction="backward",
                      allow_exact_matches=True)
    return m.loc[m["activity_id"].notna(), ["outcome_id", "activity_id", "at"]]


def effectiveness(data: Path) -> pd.DataFrame:
    a = pd.read_parquet(data / "activities.parquet",
                        columns=["activity_id", "rep_id", "type", "output", "occurred_at",
                                 "lead_id", "opportunity_id"])
    x = pd.read_parquet(data / "outcomes.parquet",
                        columns=["outcome_id", "rep_id", "achieved_at", "lead_id",
                                 "opportunity_id"])
    owners = pd.read_parquet(data / "opportunities.parquet",
                             columns=["opportunity_id", "owner_rep_id"])
    x["rep"] = x["rep_id"].fillna(x["opportunity_id"].map(
        owners.set_index("opportunity_id")["owner_rep_id"]))
    x["t"] = _seconds(x["achieved_at"])
    x = x.sort_values("t")
    a["t"] = _seconds(a["occurred_at"])
    a = a.sort_values(["t", "activity_id"])
    both = pd.concat([_latest(x, a, "lead_id"), _latest(x, a, "opportunity_id")])
    best = both.sort_values(["outcome_id", "at", "activity_id"]).drop_duplicates(
        "outcome_id", keep="last")
    per = best["activity_id"].value_counts().rename("n")
    acts = a.set_index("activity_id")
    got = acts.loc[per.index, ["rep_id", "type", "output"]].assign(n=per)
    got["positive"] = got["output"].isin(POSITIVE)
    got = got.groupby(["rep_id", "type"]).agg(outcomes=("n", "sum"), productive=("n", "size"),
                                              productive_outputs=("positive", "sum"))
    vol = a.assign(positive=a["output"].isin(POSITIVE)).groupby(["rep_id", "type"]).agg(
        volume=("activity_id", "size"), outputs=("positive", "sum"))
    out = vol.join(got, how="left").fillna(0).astype("int64").reset_index()
    out = out.rename(columns={"rep_id": "key"})
    out.insert(1, "parent", out["key"].map(teams(data)).fillna("(all)"))
    return out.sort_values(["type", "key"]).reset_index(drop=True)


METRICS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "winrates": winrates, "funnel": funnel, "cycle": cycle, "effectiveness": effectiveness,
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
