"""The week's actions on the overview and a rep's flags and plan on the rep page, against the
CLI at its own defaults (`coach`, `brief`; the plan's parity is in `test_pipeline_page`), on
the six-rep org with 2026 quotas.

The default week is 2026-04-06 (the last week with data through its Friday). Activities stop
in mid-March in this org, so every rep but eli misses the activity goal that week: five
conversations. Stalled deals, by hand from orgdata's stage history: the open deals in Qualified
for longer than the 49 days within which 90% of the 14 won deals left it (eli's o042, o043,
o047, o045; ben's o015, o018, o017; cy's o024; Fay Moss's o054; a deal in a later stage has a
longer limit): nine deals to review.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from markupsafe import escape

from funnelwise.formats import money
from tests.web.shared import Cached, cli_json, cli_text
from tests.web.test_plan_coaching_pages import WEEK, quota_path  # noqa: F401 (a fixture)

REPS = ("ana", "ben", "cy", "dee", "eli", "Fay Moss")
DEAL_RULE = "stalled_deals"


@pytest.fixture(scope="module")
def qclient(quota_path: Any) -> Cached:  # noqa: F811
    from funnelwise.web.app import create_app
    return Cached(create_app(quota_path))


def coach(quota_path: Any, *args: str) -> Any:  # noqa: F811
    return cli_json("coach", *args, "--workspace", str(quota_path))


def test_overview_actions_are_the_coach_commands_week(qclient, quota_path):  # noqa: F811
    actions = qclient.json("/api/overview")["actions"]
    expected = coach(quota_path)
    assert actions["week"] == expected["week"] == "2026-04-06"
    assert actions["flags"] == expected["flags"]
    assert actions["settings"] == expected["settings"]
    stalled = next(f for f in expected["flags"] if f["rule"] == DEAL_RULE)
    assert actions["deal_questions"] == stalled["questions"]
    assert "Should this deal stay in the forecast?" in actions["deal_questions"]


def test_overview_actions_are_the_brief_sections(qclient, quota_path):  # noqa: F811
    actions = qclient.json("/api/overview")["actions"]
    md = cli_text("brief", "--workspace", str(quota_path))
    assert [m["manager"] for m in actions["managers"]] == ["Leo Marsh", "Mia Lund"]
    for m in actions["managers"]:
        for i, c in enumerate(m["conversations"], start=1):
            who = f"**{c['name']}**" + (f" ({c['rep']})" if c["rep"] != c["name"] else "")
            assert f"{i}. {who}, {money(c['money'])} at stake: " \
                   f"{c['flags'][0]['rule_label']}: {c['title']}" in md
            assert f'Open with: "{c["opener"]}"' in md
        for d in m["deals"]:
            assert f"| {d['opportunity_id']} |" in md


def test_overview_counts_what_it_lists(qclient, quota_path):  # noqa: F811
    actions = qclient.json("/api/overview")["actions"]
    talks = [c["rep"] for m in actions["managers"] for c in m["conversations"]]
    deals = [d["opportunity_id"] for m in actions["managers"] for d in m["deals"]]
    assert sorted(talks) == ["Fay Moss", "ana", "ben", "cy", "dee"]
    assert sorted(deals) == ["o015", "o017", "o018", "o024", "o042", "o043", "o045", "o047",
                             "o054"]
    assert actions["counts"] == {"conversations": 5, "flagged_reps": 5, "deals": 9,
                                 "stalled_deals": 9}
    html = qclient.get("/").text
    assert "5 reps to talk to and 9 deals to review, per manager." in html


def test_overview_actions_open_the_page(qclient):
    html = qclient.get("/").text
    assert html.index('id="week-actions"') < html.index('class="kpis"') < html.index(">Funnel<")
    assert "Who needs a conversation" in html and "Deals to review" in html
    assert "“Should this deal stay in the forecast?”" in html
    # a rep as "Name (id)", or the name alone when it is the id
    assert "<b>Dee Quinn</b></a> (dee), " in html and "<b>Fay Moss</b></a>, " in html


def test_overview_actions_follow_the_scope_not_the_dates(qclient, quota_path):  # noqa: F811
    mia = qclient.json("/api/overview?manager=Mia+Lund")["actions"]
    expected = coach(quota_path, "--manager", "Mia Lund")
    assert mia["flags"] == expected["flags"]
    assert [m["manager"] for m in mia["managers"]] == ["Mia Lund"]
    assert {f["rep"] for f in mia["flags"]} <= {"ana", "ben", "cy"}
    dated = qclient.json("/api/overview?since=2026-01-01&until=2026-02-28")["actions"]
    assert dated["flags"] == qclient.json("/api/overview")["actions"]["flags"]


@pytest.mark.parametrize("rep", REPS)
def test_rep_flags_are_the_reps_rows_of_coach(qclient, quota_path, rep):  # noqa: F811
    page = qclient.json(f"/api/reps/{quote(rep, safe='')}")
    expected = [f for f in coach(quota_path)["flags"] if f["rep"] == rep]
    assert page["week"]["week"] == "2026-04-06"
    assert page["week"]["flags"] == expected and expected


def test_rep_flags_of_a_week(qclient, quota_path):  # noqa: F811
    page = qclient.json(f"/api/reps/eli?week={WEEK}")
    expected = [f for f in coach(quota_path, "--week", WEEK)["flags"] if f["rep"] == "eli"]
    assert page["week"]["week"] == WEEK
    assert page["week"]["flags"] == expected
    # as of 2026-03-16: o042 (65 days in Qualified) and o043 (63) are past the 45 days
    assert [d["opportunity_id"] for d in expected[0]["deals"]] == ["o042", "o043"]


def test_rep_page_shows_flags_questions_and_plan(qclient):
    html = qclient.get("/reps/ben").text
    page = qclient.json("/api/reps/ben")
    assert "3 red flags, costliest first" in html
    for f in page["week"]["flags"]:
        assert f["rule_label"] in html
        assert all(f"“{escape(q)}”" in html for q in f["questions"])
    assert "<h2>Plan for 2026-Q2</h2>" in html
    assert html.index("This week’s flags") < html.index("Plan for 2026-Q2") < html.index(
        'class="kpis"')



def test_rep_page_refuses_a_bad_week(qclient):
    body = qclient.json("/api/reps/ben?week=2026-13-01", status=400)
    assert body["error"] == ("week='2026-13-01' is not a date (expected YYYY-MM-DD, any day of "
                             "the week to coach)")


def test_overview_kpi_counts_are_the_sums_of_its_rep_rows(qclient):
    """Deals won and closed: 0/5, 6/8, 0/5, 2/9, 5/7 and 1/4 by rep; 14 of 38 in all."""
    page = qclient.json("/api/overview")
    won = sum(r["won"] for r in page["winrates"])
    closed = sum(r["closed"] for r in page["winrates"])
    assert (won, closed) == (page["winrate_all"]["won"], page["winrate_all"]["closed"]) == (14, 38)
    assert "14 won of 38 closed" in qclient.get("/").text
