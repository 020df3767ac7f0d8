"""On a simulated org the true rates are known: the estimates must recover them."""

from __future__ import annotations

import numpy as np

from funnelwise.io.workspace import Workspace
from funnelwise.metrics.funnel import funnel
from funnelwise.metrics.winrates import winrates


def test_win_rate_intervals_contain_the_true_rate_for_90_percent_of_reps(simulated):
    with Workspace(simulated.path) as ws:
        rows = {r["key"]: r for r in winrates(ws.crm(), by="rep").records()}
    truth = {rep: t["win_rate"] for rep, t in simulated.truth["reps"].items()}
    assert set(rows) == set(truth)
    inside = [rows[r]["win_rate_lo"] <= w <= rows[r]["win_rate_hi"] for r, w in truth.items()]
    assert sum(inside) / len(inside) >= 0.9


def test_shrunk_estimates_are_closer_to_the_truth_than_raw_rates(simulated):
    with Workspace(simulated.path) as ws:
        frame = winrates(ws.crm(), by="rep").frame.set_index("key")
    true = np.array([simulated.truth["reps"][r]["win_rate"] for r in frame.index])
    raw_error = np.mean((frame["win_rate"].to_numpy() - true) ** 2)
    shrunk_error = np.mean((frame["win_rate_est"].to_numpy() - true) ** 2)
    assert shrunk_error < raw_error


def test_outreach_to_conversation_rate_recovers_truth_for_steady_reps(simulated):
    """Reps without a planted drop convert outreach at their true rate c1."""
    with Workspace(simulated.path) as ws:
        rows = {(r["key"], r["step"]): r for r in funnel(ws.crm(), by="rep").records()}
    steady = {rep: t for rep, t in simulated.truth["reps"].items() if t["drop"] is None}
    inside = [rows[(rep, "outreach")]["rate_lo"] <= t["step_rates"]["outreach"]
              <= rows[(rep, "outreach")]["rate_hi"] for rep, t in steady.items()]
    assert len(steady) >= 60
    assert sum(inside) / len(inside) >= 0.9
