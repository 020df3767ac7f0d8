"""Empirical rates of a simulated org recover the true rates in truth.json.

Each pooled rate is compared with its expectation given the observed inputs: for every input
event, the true probability that it converts (the rep's rate, halved-ish after a planted drop),
summed. The tolerance is 4 binomial standard errors, sqrt(sum p (1 - p)), plus a small edge
allowance where outputs of the last inputs fall after the data end.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from funnelwise.simulate import SimConfig, SimulatedOrg, simulate_org

STEPS = ("outreach", "conversation", "meeting")
CUTOFF_DAYS = 21


@pytest.fixture(scope="module")
def org() -> SimulatedOrg:
    return simulate_org(SimConfig(reps=30, weeks=52, seed=11))


def frame(org: SimulatedOrg, name: str) -> pd.DataFrame:
    return org.tables[name].to_pandas()


def week_of(org: SimulatedOrg, t: pd.Series) -> np.ndarray:
    start = pd.Timestamp(org.truth["start"])
    return ((t - start).dt.days // 7).to_numpy()


def drop_factor(org: SimulatedOrg, reps: pd.Series, weeks: np.ndarray, step: str) -> np.ndarray:
    """Multiplier of the step's rate for each (rep, week): after/before from the drop week."""
    out = np.ones(len(reps))
    for rid, rep in org.truth["reps"].items():
        drop = rep["drop"]
        if drop and drop["step"] == step:
            hit = (reps.to_numpy() == rid) & (weeks >= drop["week"])
            out[hit] = drop["rate_after"] / drop["rate_before"]
    return out


def rate_of(org: SimulatedOrg, reps: pd.Series, step: str) -> np.ndarray:
    return reps.map({rid: r["step_rates"][step] for rid, r in org.truth["reps"].items()}).to_numpy()


def assert_close(observed: int, p: np.ndarray, edge: float = 0.0) -> None:
    expected = float(p.sum())
    se = float(np.sqrt((p * (1 - p)).sum()))
    assert abs(observed - expected) <= 4 * se + edge * expected, (observed, expected, se)


def cutoff(org: SimulatedOrg, days: int = 0) -> pd.Timestamp:
    end = dt.date.fromisoformat(org.truth["end"])
    return pd.Timestamp(end - dt.timedelta(days=CUTOFF_DAYS - days))


def test_outreach_to_conversation(org: SimulatedOrg) -> None:
    a = frame(org, "activities")
    a = a[a["type"].isin(["call", "email", "linkedin"])]
    yields = {(rid, t): y for rid, r in org.truth["reps"].items()
              for t, y in r["type_yield"].items()}
    p = np.array([yields[k] for k in zip(a["rep_id"], a["type"], strict=True)])
    p = p * drop_factor(org, a["rep_id"], week_of(org, a["occurred_at"]), "outreach")
    talked = int(a["output"].isin(["connected", "replied"]).sum())
    assert len(a) > 100_000
    assert_close(talked, p)


def test_conversation_to_meeting(org: SimulatedOrg) -> None:
    a = frame(org, "activities")
    talk = a[a["output"].isin(["connected", "replied"]) & (a["occurred_at"] < cutoff(org))]
    held = a[(a["type"] == "meeting") & (a["output"] == "held") & a["opportunity_id"].isna()
             & (a["occurred_at"] < cutoff(org, days=5))]
    p = rate_of(org, talk["rep_id"], "conversation") * drop_factor(
        org, talk["rep_id"], week_of(org, talk["occurred_at"]), "conversation")
    assert len(held) > 3_000
    assert_close(len(held), p, edge=0.01)


def test_meeting_to_qualified(org: SimulatedOrg) -> None:
    a = frame(org, "activities")
    held = a[(a["type"] == "meeting") & (a["output"] == "held") & a["opportunity_id"].isna()
             & (a["occurred_at"] < cutoff(org))]
    o = frame(org, "opportunities")
    planted = set(org.truth["planted"]["stale"]) | set(org.truth["planted"]["inflated"])
    qualified = o[~o["opportunity_id"].isin(planted) & (o["created_at"] < cutoff(org, days=5))]
    p = rate_of(org, held["rep_id"], "meeting") * drop_factor(
        org, held["rep_id"], week_of(org, held["occurred_at"]), "meeting")
    assert len(qualified) > 1_500
    assert_close(len(qualified), p, edge=0.01)


def test_win_rate_pooled_and_per_rep(org: SimulatedOrg) -> None:
    o = frame(org, "opportunities")
    closed = o[o["status"] != "open"]
    w = rate_of(org, closed["owner_rep_id"], "qualified")
    assert len(closed) > 1_000
    assert_close(int((closed["status"] == "won").sum()), w)
    per_rep = closed.groupby("owner_rep_id")["status"].agg(lambda s: (s == "won").mean())
    truth = per_rep.index.map(lambda rid: org.truth["reps"][rid]["win_rate"])
    assert np.corrcoef(per_rep.to_numpy(), np.asarray(truth))[0, 1] > 0.7


def test_team_win_rate_is_the_pooled_truth(org: SimulatedOrg) -> None:
    o = frame(org, "opportunities")
    closed = o[o["status"] != "open"]
    observed = (closed["status"] == "won").mean()
    se = np.sqrt(observed * (1 - observed) / len(closed))
    assert abs(observed - org.truth["team"]["win_rate"]) < 4 * se


def test_deal_size_and_volume_per_rep(org: SimulatedOrg) -> None:
    o = frame(org, "opportunities")
    planted = set(org.truth["planted"]["stale"]) | set(org.truth["planted"]["inflated"])
    mean_amount = o[~o["opportunity_id"].isin(planted)].groupby("owner_rep_id")["amount"].mean()
    truth = mean_amount.index.map(lambda rid: org.truth["reps"][rid]["deal_size_mean"])
    ratio = mean_amount.to_numpy() / np.asarray(truth)
    assert np.all(np.abs(ratio - 1) < 0.3) and abs(ratio.mean() - 1) < 0.05
    a = frame(org, "activities")
    outreach = a[a["type"].isin(["call", "email", "linkedin"])].groupby("rep_id").size()
    for rid, rep in org.truth["reps"].items():
        if rep["missed_goal"] is None:
            expected = rep["outreach_per_week"] * org.truth["weeks"]
            assert abs(outreach[rid] - expected) < 4 * np.sqrt(expected) + 0.01 * expected


def test_planted_goal_miss_and_drop_are_visible(org: SimulatedOrg) -> None:
    a = frame(org, "activities")
    a = a[a["type"].isin(["call", "email", "linkedin"])]
    weekly = a.groupby(["rep_id", week_of(org, a["occurred_at"])]).size()
    start = dt.date.fromisoformat(org.truth["start"])
    for rid, rep in org.truth["reps"].items():
        if rep["missed_goal"]:
            missed = [(dt.date.fromisoformat(d) - start).days // 7
                      for d in rep["missed_goal"]["weeks"]]
            share = weekly[rid].reindex(missed, fill_value=0).mean() / rep[
                "activity_target_per_week"]
            assert 0.4 < share < 0.8, (rid, share)
    talked = a["output"].isin(["connected", "replied"])
    for rid, rep in org.truth["reps"].items():
        drop = rep["drop"]
        if drop and drop["step"] == "outreach":
            mine = a["rep_id"] == rid
            after = week_of(org, a["occurred_at"]) >= drop["week"]
            before_rate, after_rate = talked[mine & ~after].mean(), talked[mine & after].mean()
            assert after_rate / before_rate < 0.7, (rid, before_rate, after_rate)
