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


OPEN_STAGES = ["Qualified", "Proposal", "Negotiation"]
RANK = {stage: i for i, stage in enumerate(OPEN_STAGES)}
REQUIRED = pd.DataFrame({"stage": ["Proposal", "Negotiation", "Negotiation"],
                         "kind": ["goals_agreed", "goals_agreed", "sponsor_engaged"],
                         "min_rank": [1, 2, 2]})
RULES = ["amount_above_history", "older_than_won_cycle", "missing_outcomes",
         "close_date_passed", "close_date_pushed", "no_customer_activity", "stalled_in_stage"]
DAY = pd.Timedelta(days=1)
REVIEWED: dict[str, pd.DataFrame] = {}  # the review's deals, for coverage (as the SQL keeps)


def _days(later: pd.Series | pd.Timestamp, earlier: pd.Series) -> pd.Series:
    return (later - earlier) / DAY


def _cut(data: Path) -> pd.Timestamp:
    """The start of the day after the latest event."""
    def latest(table: str, col: str) -> pd.Timestamp:
        return pd.read_parquet(data / f"{table}.parquet", columns=[col])[col].max()

    last = max(latest("opportunities", "created_at"), latest("opportunities", "closed_at"),
               latest("stage_history", "entered_at"), latest("activities", "occurred_at"),
               latest("outcomes", "achieved_at"))
    return last.normalize() + DAY


def _open_deals(o: pd.DataFrame, h: pd.DataFrame, c: pd.DataFrame,
                cut: pd.Timestamp) -> pd.DataFrame:
    created = (o["created_at"] < cut) | (o["created_at"].isna() & (o["status"] == "open"))
    closed = o["status"].isin(["won", "lost"]) & (o["closed_at"].isna() | (o["closed_at"] < cut))
    d = o[created & ~closed]
    h = h[(h["entered_at"] < cut) & h["stage"].isin(OPEN_STAGES)
          & h["opportunity_id"].isin(d["opportunity_id"])]
    last = h.sort_values("entered_at").groupby("opportunity_id").agg(
        hstage=("stage", "last"), hentered=("entered_at", "last"))
    c = c[c["changed_at"] < cut].sort_values("changed_at").groupby("opportunity_id").agg(
        ecd=("expected_close_date", "last"))
    d = d.join(last, on="opportunity_id").join(c, on="opportunity_id")
    current = d["stage"].where(d["stage"].isin(OPEN_STAGES) & (d["status"] == "open"))
    stage = current.fillna(d["hstage"]).fillna(OPEN_STAGES[0])
    entered = d["hentered"].where(stage == d["hstage"], d["created_at"])
    return pd.DataFrame({
        "opportunity_id": d["opportunity_id"], "rep": d["owner_rep_id"],
        "amount": d["amount"].fillna(0.0), "created_at": d["created_at"], "stage": stage,
        "expected_close_date": d["ecd"].fillna(d["expected_close_date"]),
        "age_days": _days(cut, d["created_at"]), "stage_days": _days(cut, entered)})


def _past(o: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    p = o[o["status"].isin(["won", "lost"]) & (o["closed_at"] < cut) & o["created_at"].notna()]
    return pd.DataFrame({"opportunity_id": p["opportunity_id"], "rep": p["owner_rep_id"],
                         "won": p["status"] == "won", "amount": p["amount"].fillna(0.0),
                         "created_at": p["created_at"], "closed_at": p["closed_at"],
                         "cycle_days": _days(p["closed_at"], p["created_at"])})


def _amount(d: pd.DataFrame, past: pd.DataFrame) -> pd.DataFrame:
    won = past[past["won"]]
    reps = won.groupby("rep")["amount"].agg(["size", "mean"])
    own = d["rep"].map(reps["size"]).fillna(0) >= 5
    ref = d["rep"].map(reps["mean"]).where(own, won["amount"].mean())
    hit = (ref > 0) & (d["amount"] / ref > 3.0)
    return d.loc[hit, ["opportunity_id"]].assign(dq=True)


def _old(d: pd.DataFrame, past: pd.DataFrame) -> pd.DataFrame:
    limit = past.loc[past["won"], "cycle_days"].quantile(0.9)
    return d.loc[d["age_days"] > limit, ["opportunity_id"]].assign(dq=False)


def _outcomes(d: pd.DataFrame, o: pd.DataFrame, h: pd.DataFrame, x: pd.DataFrame,
              cut: pd.Timestamp) -> pd.DataFrame:
    x = x[x["opportunity_id"].notna() & (x["achieved_at"] < cut)
          & x["kind"].isin(REQUIRED["kind"])]
    achieved = x[["opportunity_id", "kind"]].drop_duplicates().assign(has=1)
    rank = h["stage"].map(RANK).fillna(-1).groupby(h["opportunity_id"]).max()
    closed = o[o["status"].isin(["won", "lost"]) & (o["closed_at"].isna() | (o["closed_at"] < cut))]
    reached = pd.concat([closed["opportunity_id"].map(rank).fillna(0),
                         closed["stage"].map(RANK).fillna(-1)], axis=1).max(axis=1).clip(lower=0)
    reached = reached.where(closed["status"] != "won", 2)
    past = pd.DataFrame({"opportunity_id": closed["opportunity_id"], "reached": reached,
                         "won": closed["status"] == "won"}).merge(REQUIRED, how="cross")
    past = past[past["reached"] >= past["min_rank"]].merge(
        achieved, on=["opportunity_id", "kind"], how="left")
    past["has"] = past["has"].notna()
    g = past.assign(won_with=past["has"] & past["won"], won_without=~past["has"] & past["won"],
                    without=~past["has"]).groupby(["stage", "kind"]).agg(
        won_with=("won_with", "sum"), with_n=("has", "sum"),
        won_without=("won_without", "sum"), without_n=("without", "sum"))
    g["contradicted"] = ((g["with_n"] >= 10) & (g["without_n"] >= 10)
                         & (g["won_without"] / g["without_n"]
                            >= 0.5 * g["won_with"] / g["with_n"]))
    f = d[["opportunity_id", "stage"]].merge(REQUIRED[["stage", "kind"]], on="stage")
    f = f.merge(achieved, on=["opportunity_id", "kind"], how="left")
    f = f[f["has"].isna()].join(g["contradicted"], on=["stage", "kind"])
    return pd.DataFrame({"opportunity_id": f["opportunity_id"],
                         "dq": f["contradicted"].ne(True)})


def _passed(d: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    late = pd.to_datetime(d["expected_close_date"]) < cut
    return d.loc[late, ["opportunity_id"]].assign(dq=False)


def _pushed(d: pd.DataFrame, c: pd.DataFrame, cut: pd.Timestamp) -> pd.DataFrame:
    c = c[c["changed_at"] < cut].sort_values(["opportunity_id", "changed_at"], kind="stable")
    prev = c.groupby("opportunity_id")["expected_close_date"].shift()
    pushes = (c["expected_close_date"] > prev).groupby(c["opportunity_id"]).sum()
    n = d["opportunity_id"].map(pushes)
    return d.loc[n >= 1, ["opportunity_id"]].assign(dq=False)


def _quiet(d: pd.DataFrame, a: pd.DataFrame, x: pd.DataFrame,
           cut: pd.Timestamp) -> pd.DataFrame:
    ids = d["opportunity_id"]
    a = a[(a["occurred_at"] < cut) & a["opportunity_id"].isin(ids)]
    x = x[(x["achieved_at"] < cut) & x["opportunity_id"].isin(ids)]
    last = pd.concat([a.groupby("opportunity_id")["occurred_at"].max(),
                      x.groupby("opportunity_id")["achieved_at"].max()], axis=1).max(axis=1)
    since = ids.map(last).fillna(d["created_at"])
    return d.loc[_days(cut, since) > 30, ["opportunity_id"]].assign(dq=True)


def _stalled(d: pd.DataFrame, h: pd.DataFrame, past: pd.DataFrame) -> pd.DataFrame:
    past = past[past["won"]]
    s = h[h["stage"].isin(OPEN_STAGES)].merge(past, on="opportunity_id")
    s = s.sort_values(["opportunity_id", "entered_at", "stage"], kind="stable")
    leave = s.groupby("opportunity_id")["entered_at"].shift(-1).fillna(s["closed_at"])
    enter_days = _days(s["entered_at"], s["created_at"]).clip(lower=0.0)
    leave_days = np.maximum(_days(leave, s["created_at"]), enter_days)
    spells = pd.DataFrame({"opportunity_id": s["opportunity_id"], "stage": s["stage"],
                           "days": leave_days - enter_days})
    bare = past[~past["opportunity_id"].isin(spells["opportunity_id"])]
    bare = pd.DataFrame({"opportunity_id": bare["opportunity_id"], "stage": OPEN_STAGES[0],
                         "days": bare["cycle_days"]})
    won = pd.concat([spells, bare]).groupby(["opportunity_id", "stage"])["days"].sum()
    limit = won.groupby(level="stage").quantile(0.9)
    over = d["stage_days"] > d["stage"].map(limit)
    return d.loc[over, ["opportunity_id"]].assign(dq=False)


def review(data: Path) -> pd.DataFrame:
    """Every open deal through the seven rules; per rep: values, deals and flags by rule."""
    def read(table: str, *columns: str) -> pd.DataFrame:
        return pd.read_parquet(data / f"{table}.parquet", columns=list(columns))

    cut = _cut(data)
    o = read("opportunities", "opportunity_id", "owner_rep_id", "created_at", "stage", "amount",
             "expected_close_date", "status", "closed_at")
    h = read("stage_history", "opportunity_id", "stage", "entered_at")
    c = read("close_date_history", "opportunity_id", "changed_at", "expected_close_date")
    x = read("outcomes", "opportunity_id", "kind", "achieved_at")
    a = read("activities", "opportunity_id", "occurred_at")
    d = _open_deals(o, h, c, cut)
    past = _past(o, cut)
    flags = pd.concat([
        _amount(d, past).assign(rule=RULES[0]), _old(d, past).assign(rule=RULES[1]),
        _outcomes(d, o, h, x, cut).assign(rule=RULES[2]), _passed(d, cut).assign(rule=RULES[3]),
        _pushed(d, c, cut).assign(rule=RULES[4]), _quiet(d, a, x, cut).assign(rule=RULES[5]),
        _stalled(d, h, past).assign(rule=RULES[6])])
    per_rule = pd.crosstab(flags["opportunity_id"], flags["rule"]).reindex(
        columns=RULES, fill_value=0)
    bad = set(flags.loc[flags["dq"], "opportunity_id"])
    d = d.join(per_rule, on="opportunity_id")
    d[RULES] = d[RULES].fillna(0).astype("int64")
    d["qualified"] = ~d["opportunity_id"].isin(bad)
    d["flagged"] = d[RULES].sum(axis=1) > 0
    REVIEWED["deals"], REVIEWED["cut"] = d, pd.DataFrame({"cut": [cut]})
    g = d.assign(q_value=d["amount"].where(d["qualified"], 0.0),
                 dq=~d["qualified"]).groupby("rep")
    out = g.agg(deals=("amount", "size"), raw_value=("amount", "sum"),
                qualified_value=("q_value", "sum"), disqualified_deals=("dq", "sum"),
                flagged_deals=("flagged", "sum"))
    return out.join(g[RULES].sum()).rename_axis("key").reset_index()


def _quotas(data: Path, first: pd.Timestamp, last: pd.Timestamp) -> pd.Series:
    """Per rep: the quota from `first` to `last`, each quota row pro rata to its days in it."""
    q = pd.read_parquet(data / "quotas.parquet")
    start, end = pd.to_datetime(q["period_start"]), pd.to_datetime(q["period_end"])
    q = q[(end >= first) & (start <= last)]
    start, end = pd.to_datetime(q["period_start"]), pd.to_datetime(q["period_end"])
    share = ((end.clip(upper=last) - start.clip(lower=first)) / DAY + 1) / (
        (end - start) / DAY + 1)
    quota = (q["amount"] * share).groupby(q["rep_id"]).sum()
    return quota[quota > 0]


def coverage(data: Path) -> pd.DataFrame:
    """Coverage per rep for the default period of the review date (its quarter if a third of
    it remains, else the next), from review()'s deals."""
    d, cut = REVIEWED["deals"], REVIEWED["cut"]["cut"].iloc[0]
    quarter = cut.to_period("Q")
    following = (quarter + 1).start_time
    if 3 * (following - cut).days < (following - quarter.start_time).days:
        quarter += 1
    first, last = quarter.start_time, quarter.end_time.normalize()
    quota = _quotas(data, first, last)
    o = pd.read_parquet(data / "opportunities.parquet",
                        columns=["owner_rep_id", "status", "amount", "closed_at"])
    amount = o["amount"].fillna(0.0)
    in_quarter = (o["status"] == "won") & (o["closed_at"] >= first) & (
        o["closed_at"] < min(last + DAY, cut))
    won = amount[in_quarter].groupby(o["owner_rep_id"]).sum()
    year = o["status"].isin(["won", "lost"]) & (o["closed_at"] >= cut - 365 * DAY) & (
        o["closed_at"] < cut)
    closed_value = amount[year].groupby(o["owner_rep_id"]).sum()
    won_value = amount[year & (o["status"] == "won")].groupby(o["owner_rep_id"]).sum()
    due = pd.to_datetime(d["expected_close_date"])
    p = d[(due <= last) & ((due >= first) | (due < cut))]
    pipe = p.assign(bad=p["amount"].where(~p["qualified"], 0.0)).groupby("rep").agg(
        open_pipeline=("amount", "sum"), deals=("amount", "size"),
        disqualified_value=("bad", "sum"))
    out = pd.DataFrame({"key": quota.index, "quota": quota.to_numpy()})
    out["won"] = out["key"].map(won).fillna(0.0)
    out = out.join(pipe, on="key")
    out[["open_pipeline", "deals", "disqualified_value"]] = out[
        ["open_pipeline", "deals", "disqualified_value"]].fillna(0)
    out["remaining_target"] = (out["quota"] - out["won"]).clip(lower=0.0)
    remaining = out["remaining_target"].where(out["remaining_target"] > 0)
    out["coverage"] = out["open_pipeline"] / remaining
    closed = out["key"].map(closed_value)
    out["value_win_rate"] = out["key"].map(won_value).fillna(0.0) / closed.where(closed > 0)
    pipeline = out["open_pipeline"].where(out["open_pipeline"] > 0)
    out["disqualified_share"] = (out["disqualified_value"] / pipeline).fillna(0.0)
    return with_parent(out, data)


def _levels(frame: pd.DataFrame, teams: pd.Series) -> dict[str, pd.core.groupby.GroupBy]:
    """The frame (with a `rep` column) grouped by rep, by team and for everyone."""
    team = frame["rep"].map(teams).fillna("(none)")
    return {"rep": frame.groupby("rep"), "team": frame.groupby(team),
            "all": frame.groupby(pd.Series("(all)", index=frame.index))}


def _plan_figures(data: Path, teams: pd.Series) -> dict[str, pd.DataFrame]:
    """Per level: closed deals, whether every step has data, won deals' size and cycle."""
    a = pd.read_parquet(data / "activities.parquet", columns=["rep_id", "type", "output"])
    per = a.groupby(["rep_id", "type", "output"], dropna=False).size().rename("n").reset_index()
    outreach = per["type"].isin(OUTREACH)
    acts = pd.DataFrame({
        "rep": per["rep_id"], "outreach": per["n"].where(outreach, 0),
        "conversation": per["n"].where(outreach & per["output"].isin(CONVERSATION), 0),
        "meeting": per["n"].where((per["type"] == "meeting") & (per["output"] == "held"), 0),
        "closed": 0})
    o = pd.read_parquet(data / "opportunities.parquet",
                        columns=["owner_rep_id", "status", "amount", "created_at", "closed_at"])
    opps = pd.DataFrame({"rep": o["owner_rep_id"], "outreach": 0, "conversation": 0,
                         "meeting": 0, "closed": o["status"].isin(["won", "lost"]).astype(int)})
    steps = pd.concat([acts, opps], ignore_index=True)
    won = o[o["status"] == "won"]
    won = pd.DataFrame({"rep": won["owner_rep_id"], "amount": won["amount"],
                        "days": (won["closed_at"] - won["created_at"]) / DAY})
    out = {}
    for level, g in _levels(steps, teams).items():
        n = g[["outreach", "conversation", "meeting", "closed"]].sum()
        d = _levels(won, teams)[level]
        f = pd.DataFrame({"closed": n["closed"], "all_steps": (n > 0).all(axis=1)}).join(
            pd.DataFrame({"wins": d["amount"].count(), "mean": d["amount"].mean(),
                          "sd": d["amount"].std(), "dated": d["days"].count(),
                          "median_days": d["days"].quantile(0.5),
                          "p90_days": d["days"].quantile(0.9)}), how="inner")
        ok = f[f["wins"] >= 2]
        pooled = np.sqrt(((ok["wins"] - 1) * (ok["sd"] / ok["mean"]) ** 2).sum()
                         / max((ok["wins"] - 1).sum(), 1))
        f["cv"] = (f["sd"] / f["mean"]).where(f["wins"] >= 30, pooled)
        out[level] = f[(f["wins"] > 0) & (f["dated"] > 0)]
    return out


def plan_inputs(data: Path) -> pd.DataFrame:
    """What `funnelwise plan` reads for the quarter after the review date's, per rep with a
    quota (the team's figures for a rep with fewer than 10 closed deals or a step without
    data), and the whole team's row."""
    cut = REVIEWED["cut"]["cut"].iloc[0]
    quarter = cut.to_period("Q") + 1
    first, last = quarter.start_time, quarter.end_time.normalize()
    reps = pd.read_parquet(data / "reps.parquet", columns=["rep_id", "team"])
    teams = reps.set_index("rep_id")["team"]
    quota = _quotas(data, first, last)
    fig = _plan_figures(data, teams)
    own, team, everyone = fig["rep"], fig["team"], fig["all"].iloc[0]
    rows = []
    for key, amount in quota.items():
        mine = own.loc[key] if key in own.index else None
        if mine is not None and mine["closed"] >= 10 and mine["all_steps"]:
            chosen, source = mine, "own"
        else:
            parent = teams.get(key)
            chosen = team.loc[parent] if parent in team.index else everyone
            source = "team"
        rows.append({"key": key, "source": source, "quota": amount, "wins": chosen["wins"],
                     "deal_size": chosen["mean"], "deal_cv": chosen["cv"],
                     "cycle_days": chosen["median_days"],
                     "cycle_late_days": chosen["p90_days"]})
    rows.append({"key": "(all)", "source": "team", "quota": quota.sum(),
                 "wins": everyone["wins"], "deal_size": everyone["mean"],
                 "deal_cv": everyone["cv"], "cycle_days": everyone["median_days"],
                 "cycle_late_days": everyone["p90_days"]})
    return pd.DataFrame(rows)


METRICS: dict[str, Callable[[Path], pd.DataFrame]] = {
    "winrates": winrates, "funnel": funnel, "cycle": cycle, "effectiveness": effectiveness,
    "review": review, "coverage": coverage, "plan_inputs": plan_inputs,
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
