"""Funnel counts rolled up from a finer grouping equal the query run at the coarser one.

`funnelwise plan` reads the activities once, by rep, and adds the counts up for the team and
for everyone (`rolled_up`); these tests hold it to what `funnel(by="team")` and
`funnel(by="all")` compute from the data.
"""

from __future__ import annotations

import dataclasses

import ibis
import pandas as pd
import pytest

from funnelwise.io.workspace import Workspace
from funnelwise.metrics.funnel import funnel, funnel_counts, funnel_of, rolled_up


def rolled(crm, to: str, source: str = "rep") -> pd.DataFrame:
    counts = rolled_up(funnel_counts(crm, by=source).to_pandas(), to)
    return funnel_of(crm, counts, sql="", by=to, since=None, until=None).frame


@pytest.mark.parametrize(("to", "source"), [("team", "rep"), ("all", "rep"), ("all", "manager")])
def test_rolled_up_equals_the_query_on_the_simulated_org(simulated, to, source):
    with Workspace(simulated.path, read_only=True) as ws:
        crm = ws.crm()
        direct = funnel(crm, by=to).frame
        pd.testing.assert_frame_equal(rolled(crm, to, source), direct)
    assert len(direct) == (5 if to == "all" else 5 * direct["key"].nunique())


def test_reps_without_a_team_and_unknown_reps_roll_up_into_none(tiny_ws):
    """ana and ben are North, cy South; cy loses his team and an activity comes from `zed`,
    who is not in the reps table: both count under (none), as the query by team puts them."""
    crm = tiny_ws.crm()
    reps = crm.reps.mutate(team=ibis.ifelse(crm.reps.rep_id == "cy", ibis.null("string"),
                                            crm.reps.team))
    a = crm.activities
    stray = a.filter(a.activity_id == "a01").mutate(activity_id=ibis.literal("z01"),
                                                     rep_id=ibis.literal("zed"))
    crm = dataclasses.replace(crm, reps=reps, activities=ibis.union(a, stray))
    direct = funnel(crm, by="team").frame
    assert set(direct["key"]) == {"North", "(none)"}
    pd.testing.assert_frame_equal(rolled(crm, "team"), direct)
    pd.testing.assert_frame_equal(rolled(crm, "all"), funnel(crm, by="all").frame)


def test_a_figure_missing_for_every_group_stays_missing():
    counts = pd.DataFrame({"key": ["a", "b", "c"], "parent": ["T", "T", "(all)"],
                           "s0_count": [3, 4, 5], "s1_advanced": pd.array([None, None, 2],
                                                                           dtype="Int64")})
    out = rolled_up(counts, "team").set_index("key")
    assert out.loc["T", "s0_count"] == 7 and pd.isna(out.loc["T", "s1_advanced"])
    assert (out.loc["(none)", "s0_count"], out.loc["(none)", "s1_advanced"]) == (5, 2)
    assert set(out["parent"]) == {"(all)"}
