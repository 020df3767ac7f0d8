"""What a forward projection reads from the workspace: rates since a change, the pipeline.

On the shared simulated org (80 reps x 52 weeks, seed 11: 10 planted conversion drops) and
on its CRM cut at a day, with nothing after the day read.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from funnelwise.io.workspace import Workspace
from funnelwise.metrics.asof import crm_as_of
from funnelwise.metrics.span import data_span
from funnelwise.periods import parse_period
from funnelwise.plan import recent
from funnelwise.plan.estimate import Options
from funnelwise.plan.groups import load_groups
from funnelwise.plan.open_deals import open_pipelines

CUT = dt.date(2026, 4, 6)
Q2 = parse_period("2026-Q2")


@pytest.fixture(scope="module")
def found(simulated) -> list[recent.Change]:
    with Workspace(simulated.path) as ws:
        crm = ws.crm()
        return recent.changes(crm, sorted(simulated.truth["reps"]), data_span(crm).today)


def test_planted_drops_are_found_at_their_step_and_week(found, simulated):
    drops = {r: t["drop"] for r, t in simulated.truth["reps"].items() if t["drop"]}
    hits = [c for c in found if c.rep in drops and c.step == drops[c.rep]["step"]
            and abs((c.since - dt.date.fromisoformat(drops[c.rep]["date"])).days) <= 28]
    assert len(drops) == 10
    assert len(hits) >= 8
    # the rate since is the dropped one, not the mix over the history
    for c in hits:
        before, after = drops[c.rep]["rate_before"], drops[c.rep]["rate_after"]
        assert abs(c.k / c.n - after) < abs(c.k / c.n - before)


def test_few_changes_are_found_where_none_was_planted(found, simulated):
    """70 reps x 3 steps, each tested for a drop and a rise at 97%."""
    steady = {r for r, t in simulated.truth["reps"].items() if not t["drop"]}
    assert len(steady) == 70
    assert sum(c.rep in steady for c in found) <= 3


def test_a_changed_rate_replaces_the_reps_counts_at_its_step():
    links = pd.DataFrame({"key": ["a", "a", "b"], "step": ["outreach", "meeting", "outreach"],
                          "k": [10.0, 5.0, 8.0], "n": [100.0, 20.0, 90.0]})
    change = recent.Change(rep="a", step="outreach", since=dt.date(2026, 1, 5), k_before=9.0,
                           n_before=60.0, k=1.0, n=40.0, probability=0.99)
    out = recent.since_changes(links, [change])
    assert out["k"].tolist() == [1.0, 5.0, 8.0]
    assert out["n"].tolist() == [40.0, 20.0, 90.0]
    assert "fell from 15.0% to 2.5%" in change.note()


def test_the_pipeline_reads_nothing_after_the_day(simulated):
    """The forecast model rewinds the CRM itself: the whole CRM read as of the day and the CRM
    already cut at the day give the same pipeline. The quarter began five days before the
    day: what was won in those days counts as won."""
    with Workspace(simulated.path) as ws:
        crm = ws.crm()
        whole = open_pipelines(crm, Q2, CUT)
        cut = open_pipelines(crm_as_of(crm, CUT), Q2, CUT)
    assert set(whole.groups) == set(cut.groups)
    for key, pipe in whole.groups.items():
        assert np.allclose(pipe.chances, cut.groups[key].chances)
        assert pipe.won == cut.groups[key].won
    assert sum(p.won > 0 for p in whole.groups.values()) >= 5
    assert all(p.chances.min() >= 0 and p.chances.max() <= 1 for p in whole.groups.values()
               if len(p.chances))


def test_a_slower_rep_lands_fewer_weeks_of_flow_and_fewer_open_deals_in_the_period(simulated):
    with Workspace(simulated.path) as ws:
        pipes = open_pipelines(ws.crm(), Q2, CUT, pace={"R001": 0.5, "R002": 2.0})
    assert pipes.of("R001").flow_weeks > pipes.of("R003").flow_weeks > pipes.of(
        "R002").flow_weeks > 0
    assert pipes.of("R003").flow_weeks < Q2.days / 7


def test_the_forward_figures_carry_pipelines_and_say_what_changed(simulated):
    with Workspace(simulated.path) as ws:
        crm = crm_as_of(ws.crm(), CUT)
        plain = load_groups(crm, Q2, Options(), as_of=CUT)
        forward = load_groups(crm, Q2, Options(forward=True), as_of=CUT)
    assert all(f.pipeline is None for f in plain.funnels)
    assert all(f.pipeline is not None for f in forward.funnels)
    assert any("open deals" in n for n in forward.notes)
    changed = [n for n in forward.notes if " fell from " in n or " rose from " in n]
    assert changed
    rep = changed[0].split(":")[0]
    mine = {f.key: f for f in forward.funnels}[rep]
    before = {f.key: f for f in plain.funnels}[rep]
    assert mine.rates != before.rates
