"""The simulated tables keep the canonical contract and the planted truth is where it says."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from funnelwise.simulate import SimConfig, SimulatedOrg, simulate_org

COLUMNS = {
    "reps": ["rep_id", "name", "manager", "team", "region"],
    "accounts": ["account_id", "name", "segment", "industry", "region"],
    "leads": ["lead_id", "created_at", "source", "owner_rep_id", "account_id"],
    "opportunities": ["opportunity_id", "owner_rep_id", "account_id", "lead_id", "source",
                      "product", "created_at", "stage", "amount", "expected_close_date",
                      "status", "closed_at", "forecast_category"],
    "stage_history": ["opportunity_id", "stage", "entered_at"],
    "activities": ["activity_id", "rep_id", "type", "occurred_at", "lead_id", "opportunity_id",
                   "account_id", "output"],
    "outcomes": ["outcome_id", "kind", "achieved_at", "rep_id", "lead_id", "opportunity_id"],
    "quotas": ["rep_id", "period_start", "period_end", "amount"],
    "close_date_history": ["opportunity_id", "changed_at", "expected_close_date"],
    "forecast_calls": ["rep_id", "period", "call", "amount", "submitted_at"],
}
OUTPUTS = {"call": {"connected", "no_answer"}, "email": {"replied", "opened", "no_response"},
           "linkedin": {"replied", "no_response"}, "meeting": {"held", "no_show"},
           "demo": {"held"}, "proposal": {"delivered"}}
STAGE_ORDER = {"Qualified": 0, "Proposal": 1, "Negotiation": 2, "Closed Won": 3,
               "Closed Lost": 3}
KINDS = {"opportunity_qualified", "goals_agreed", "sponsor_engaged", "decision_plan"}


@pytest.fixture(scope="module", params=[(30, 52, 11), (6, 6, 3)], ids=["30x52", "6x6"])
def org(request: pytest.FixtureRequest) -> SimulatedOrg:
    reps, weeks, seed = request.param
    return simulate_org(SimConfig(reps=reps, weeks=weeks, seed=seed))


def df(org: SimulatedOrg, name: str) -> pd.DataFrame:
    return org.tables[name].to_pandas()


def window(org: SimulatedOrg) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(org.truth["start"]), pd.Timestamp(org.truth["end"])


def test_columns_types_and_unique_ids(org: SimulatedOrg) -> None:
    assert list(org.tables) == list(COLUMNS)
    for name, table in org.tables.items():
        assert table.schema.names == COLUMNS[name], name
        for field in table.schema:
            if field.name.endswith("_at"):
                assert pa.types.is_timestamp(field.type), (name, field)
            elif field.name in ("expected_close_date", "period_start", "period_end"):
                assert pa.types.is_date(field.type), (name, field)
            elif field.name == "amount":
                assert pa.types.is_float64(field.type), (name, field)
            else:
                assert pa.types.is_string(field.type), (name, field)
        key = COLUMNS[name][0]
        if name not in ("stage_history", "quotas", "close_date_history", "forecast_calls"):
            assert table.column(key).null_count == 0
            assert len(set(table.column(key).to_pylist())) == table.num_rows, name


def test_references_resolve(org: SimulatedOrg) -> None:
    ids = {n: set(df(org, n)[COLUMNS[n][0]]) for n in ("reps", "accounts", "leads",
                                                        "opportunities")}
    refs = {"rep_id": "reps", "owner_rep_id": "reps", "account_id": "accounts",
            "lead_id": "leads", "opportunity_id": "opportunities"}
    for name in ("leads", "opportunities", "stage_history", "activities", "outcomes", "quotas"):
        t = df(org, name)
        for col, target in refs.items():
            if col in t.columns and not (name == target and col == COLUMNS[name][0]):
                assert set(t[col].dropna()) <= ids[target], (name, col)


def test_statuses_stages_and_history(org: SimulatedOrg) -> None:
    o = df(org, "opportunities")
    assert set(o["status"]) <= {"open", "won", "lost"}
    assert (o["closed_at"].isna() == (o["status"] == "open")).all()
    assert (o.loc[o["status"] == "won", "stage"] == "Closed Won").all()
    assert (o.loc[o["status"] == "lost", "stage"] == "Closed Lost").all()
    assert set(o.loc[o["status"] == "open", "stage"]) <= {"Qualified", "Proposal", "Negotiation"}
    assert (o["amount"] > 0).all()
    h = df(org, "stage_history").sort_values(["opportunity_id", "entered_at"], kind="stable")
    assert h.equals(df(org, "stage_history").loc[h.index]), "ordered by deal then time"
    assert h.groupby("opportunity_id")["entered_at"].apply(
        lambda s: s.is_monotonic_increasing and s.is_unique).all()
    rank = h["stage"].map(STAGE_ORDER)
    assert rank.groupby(h["opportunity_id"]).apply(lambda s: s.is_monotonic_increasing).all()
    first, last = h.groupby("opportunity_id").first(), h.groupby("opportunity_id").last()
    o = o.set_index("opportunity_id")
    assert (first["stage"] == "Qualified").all()
    assert (first["entered_at"] == o.loc[first.index, "created_at"]).all()
    assert (last["stage"] == o.loc[last.index, "stage"]).all()
    closed = o[o["status"] != "open"]
    assert (last.loc[closed.index, "entered_at"] == closed["closed_at"]).all()


def test_vocabulary_and_window(org: SimulatedOrg) -> None:
    a = df(org, "activities")
    for kind, outputs in OUTPUTS.items():
        assert set(a.loc[a["type"] == kind, "output"]) <= outputs, kind
    assert set(a["type"]) <= set(OUTPUTS)
    assert a.loc[a["type"] == "meeting", "opportunity_id"].isna().all()
    assert a.loc[a["type"].isin(["demo", "proposal"]), "opportunity_id"].notna().all()
    start, end = window(org)
    assert a["occurred_at"].between(start, end, inclusive="left").all()
    oc = df(org, "outcomes")
    assert set(oc["kind"]) <= KINDS
    assert oc["achieved_at"].between(start, end, inclusive="left").all()


def test_every_deal_is_qualified_by_an_outcome_at_creation(org: SimulatedOrg) -> None:
    o = df(org, "opportunities")
    oc = df(org, "outcomes")
    q = oc[oc["kind"] == "opportunity_qualified"].set_index("opportunity_id")["achieved_at"]
    start, _ = window(org)
    inside = o[o["created_at"] >= start].set_index("opportunity_id")["created_at"]
    assert q.index.is_unique
    assert (q.reindex(inside.index) == inside).all()


def test_planted_deals(org: SimulatedOrg) -> None:
    o = df(org, "opportunities").set_index("opportunity_id")
    a = df(org, "activities")
    oc = df(org, "outcomes")
    stale, inflated = org.truth["planted"]["stale"], org.truth["planted"]["inflated"]
    hoarders = [rid for rid, r in org.truth["reps"].items() if r["hoarder"]]
    assert stale and set(o.loc[stale, "owner_rep_id"]) >= set(hoarders)
    assert (o.loc[stale + inflated, "status"] == "open").all()
    size = o["owner_rep_id"].map(lambda rid: org.truth["reps"][rid]["deal_size_mean"])
    assert (o.loc[inflated, "amount"] >= 4 * size[inflated]).all()
    assert (o.drop(index=inflated)["amount"] <= 3.5 * size.drop(index=inflated) + 1).all()
    evidence = oc[oc["kind"].isin(["sponsor_engaged", "decision_plan"])]["opportunity_id"]
    assert not set(inflated) & set(evidence)
    _, end = window(org)
    last = a.dropna(subset=["opportunity_id"]).groupby("opportunity_id")["occurred_at"].max()
    quiet = end - last.reindex(stale)
    assert (quiet.isna() | (quiet > pd.Timedelta(days=60))).all()
    median = o.loc[stale, "owner_rep_id"].map(
        lambda rid: org.truth["reps"][rid]["cycle_days_median"])
    age = (end - o.loc[stale, "created_at"]).dt.days
    assert (age >= np.minimum(2.4 * median, 97)).all()
    healthy = o[(o["status"] == "open") & ~o.index.isin(stale)]
    recent = end - last.reindex(healthy.index) <= pd.Timedelta(days=30)
    new = end - healthy["created_at"] <= pd.Timedelta(days=10)
    assert (recent | new).all()
    assert (pd.to_datetime(healthy["expected_close_date"]) >= end).all()


def test_truth_shape_and_planted_reps(org: SimulatedOrg) -> None:
    truth = json.loads(json.dumps(org.truth))
    assert truth == org.truth
    reps = truth["reps"]
    assert list(reps) == df(org, "reps")["rep_id"].tolist()
    assert truth["funnel_steps"] == ["outreach", "conversation", "meeting", "qualified", "won"]
    drops = [r for r in reps.values() if r["drop"]]
    missed = [r for r in reps.values() if r["missed_goal"]]
    n = len(reps)
    assert len(drops) == len(missed) == int(0.125 * n + 0.5)
    assert not any(r["drop"] and r["missed_goal"] for r in reps.values())
    assert sum(r["hoarder"] for r in reps.values()) == int(0.15 * n + 0.5)
    weeks = truth["weeks"]
    for r in reps.values():
        assert r["noise_only"] == (r["drop"] is None and r["missed_goal"] is None)
        assert r["step_rates"]["qualified"] == r["win_rate"]
        mix = r["type_mix"]
        c1 = sum(mix[t] * r["type_yield"][t] for t in mix)
        assert r["step_rates"]["outreach"] == pytest.approx(c1, abs=1e-5)
        if r["drop"]:
            d = r["drop"]
            assert weeks // 3 <= d["week"] < max(weeks // 3 + 1, 2 * weeks // 3)
            assert d["rate_after"] / d["rate_before"] == pytest.approx(0.5, abs=0.051)
            assert d["rate_before"] == pytest.approx(r["step_rates"][d["step"]])
        if r["missed_goal"]:
            assert 0.75 * min(8, weeks) <= len(r["missed_goal"]["weeks"]) <= min(8, weeks)


def test_teams_and_quotas(org: SimulatedOrg) -> None:
    reps = df(org, "reps")
    assert (reps["team"] == "Team " + reps["manager"].str.split().str[-1]).all()
    assert (reps.groupby("team")["region"].nunique() == 1).all()
    if len(reps) >= 10:
        assert reps.groupby("team").size().between(5, 8).all()
    q = df(org, "quotas")
    per_rep = q.groupby("rep_id").size()
    assert per_rep.nunique() == 1 and set(per_rep.index) == set(reps["rep_id"])
    start, end = dt.date.fromisoformat(org.truth["start"]), dt.date.fromisoformat(
        org.truth["end"])
    periods = sorted(set(zip(q["period_start"], q["period_end"], strict=True)))
    assert periods[0][0] <= start <= periods[0][1]
    assert sum(p[0] >= end for p in periods) == 2
    assert all(b[0] - a[1] == dt.timedelta(days=1) for a, b in itertools.pairwise(periods))
    assert ((q["amount"] % 1000 == 0) & (q["amount"] > 0)).all()


def test_forecast_categories_follow_the_stage_and_calls_the_planted_bias(org: SimulatedOrg
                                                                         ) -> None:
    """Negotiation is called commit, Proposal best case, Qualified pipeline, a closed deal
    closed; each call is what the rep won in the quarter times the rep's planted bias, off by
    the simulated error (sigma 12%: within 4 sigma), submitted seven days into the quarter."""
    o = df(org, "opportunities")
    words = {"Qualified": "pipeline", "Proposal": "best_case", "Negotiation": "commit",
             "Closed Won": "closed", "Closed Lost": "closed"}
    assert (o["stage"].map(words) == o["forecast_category"]).all()
    calls = df(org, "forecast_calls")
    bias = org.truth["call_bias"]
    ids = sorted(bias)
    assert (bias[ids[0]], bias[ids[1]]) == (1.4, 0.7)
    won = o[o["status"] == "won"].assign(
        period=lambda f: f["closed_at"].dt.year.astype(str) + "-Q"
        + f["closed_at"].dt.quarter.astype(str)).groupby(["owner_rep_id", "period"])["amount"]
    total = won.sum()
    start, end = window(org)
    for r in calls.itertuples():
        first = pd.Period(r.period, freq="Q").start_time
        assert first >= start and pd.Period(r.period, freq="Q").end_time < end
        assert r.submitted_at == first + pd.Timedelta(days=7, hours=9)
        error = np.log(r.amount / (total[(r.rep_id, r.period)] * bias[r.rep_id]))
        assert abs(error) < 4 * 0.12, r
    quarters = {p for p in pd.period_range(start, end, freq="Q")
                if p.start_time >= start and p.end_time < end}
    expected = {(rep, str(p).replace("Q", "-Q")) for (rep, p2) in total.index
                for p in quarters if str(p).replace("Q", "-Q") == p2}
    assert set(zip(calls["rep_id"], calls["period"], strict=True)) == expected
