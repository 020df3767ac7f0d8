"""The plan and coaching-brief pages: routes, charts, the CLI's JSON, query options, errors.

The six-rep test org has no quotas, so these tests use it plus a quotas.csv (`QUOTAS`): the
figures below are checked by hand against it. Quarter 2026-Q2 has 91 days, so a half-year
quota counts 91 of its 181 days and Fay Moss's 2026 quota 91 of 365.

Query options (`?period=`, `?what_if=`, `?week=`) reach each page's data function; the same
inputs are also checked on the data functions directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from funnelwise.coach.config import coach_config, targets_config
from funnelwise.coach.scoped import coaching
from funnelwise.errors import UserError
from funnelwise.formats import money, named
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.metrics.scope import Scope, restrict
from funnelwise.periods import parse_period
from funnelwise.plan.estimate import Options
from funnelwise.plan.groups import load_groups
from funnelwise.plan.workspace import make_plans
from funnelwise.presentation import plan as plan_report
from funnelwise.presentation.brief import to_markdown
from funnelwise.web import render
from funnelwise.web.app import create_app
from funnelwise.web.context import make_context
from funnelwise.web.filters import Filters
from funnelwise.web.views import coaching as coaching_view
from funnelwise.web.views import plan as plan_view
from tests.web.orgdata import write_org
from tests.web.shared import Cached, as_json, cli_json, cli_text

QUOTAS = """rep_id,period_start,period_end,amount
ana,2026-01-01,2026-03-31,150000
ana,2026-04-01,2026-06-30,180000
ben,2026-01-01,2026-06-30,240000
cy,2026-04-01,2026-06-30,120000
dee,2026-04-01,2026-06-30,150000
eli,2026-04-01,2026-06-30,90000
Fay Moss,2026-01-01,2026-12-31,400000
"""
Q2_QUOTAS = {"ana": 180000.0, "ben": 240000 * 91 / 181, "cy": 120000.0, "dee": 150000.0,
             "eli": 90000.0, "Fay Moss": 400000 * 91 / 365}
NORTH = {"ana", "ben", "cy"}
ERROR_KEYS = {"ok", "status", "title", "error"}
WEEK = "2026-03-09"


@pytest.fixture(scope="module")
def quota_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The six-rep org with quotas for 2026."""
    root = tmp_path_factory.mktemp("quota-org")
    data = write_org(root / "csv")
    (data / "quotas.csv").write_text(QUOTAS)
    path = root / "org.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [data], presets.get("canonical"))
    return path


@pytest.fixture(scope="module")
def qapp(quota_path: Path) -> Any:
    return create_app(quota_path)


@pytest.fixture(scope="module")
def qclient(qapp: Any) -> Cached:
    return Cached(qapp)


@pytest.fixture(scope="module")
def ctx(quota_path: Path) -> Any:
    """A page context over the org with no filters (a read-only open, as a page's)."""
    with Workspace(quota_path, read_only=True) as ws:
        yield make_context(ws.crm(), Filters())


def plan_of(page: dict[str, Any]) -> dict[str, Any]:
    return {k: page[k] for k in ("period", "as_of", "rows", "rollup", "notes")}


# --- routes and charts -------------------------------------------------------------------

@pytest.mark.parametrize(("url", "charts"), [
    ("/plan", ("volume", "timing")), ("/coaching", ("stake", "evidence")),
    ("/plan?team=North", ("volume", "timing")), ("/coaching?manager=Leo+Marsh",
                                                   ("stake", "evidence")),
])
def test_pages_render_with_their_charts(qclient, url, charts):
    response = qclient.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert html.count('class="plotly-graph-div"') == 2
    for name in charts:
        assert f'<div id="{name}" class="plotly-graph-div"' in html
    assert 'href="/api/' + url.strip("/").split("?")[0] in html
    assert '">Plan</a>' in html and '">Coaching brief</a>' in html


def test_plan_page_shows_money_rates_and_the_team_fallback(qclient):
    html = qclient.get("/plan").text
    assert "Plan for 2026-Q2" in html
    assert "the quarter that contains the data&#39;s today (2026-04-11)" in html
    assert f"<td class=\"num\">{money(180000)}</td>" in html  # ana's quota
    assert "team: North" in html and "Team roll-up" in html
    assert 'action="/plan"' in html and 'name="what_if"' in html


def test_coaching_page_shows_questions_evidence_and_deals(qclient):
    html = qclient.get(f"/coaching?week={WEEK}").text
    assert "Monday brief, week of 2026-03-09" in html
    assert "Open with: “You are doing the work, but fewer meeting turn into qualified" in html
    assert "o042" in html and "No red flags this week." in html  # Leo Marsh: deals only
    assert 'placeholder="YYYY-MM-DD" title="a day, YYYY-MM-DD" size="10" name="week" ' \
           'value="2026-03-09"' in html


# --- the JSON twins equal the CLI --------------------------------------------------------

@pytest.mark.parametrize(("query", "args"), [
    ("", []), ("since=2026-01-19", ["--since", "2026-01-19"]),
])
def test_plan_json_equals_cli_plan_json(qclient, quota_path, query, args):
    page = qclient.json(f"/api/plan?{query}")
    assert page["period"] == {"label": "2026-Q2", "start": "2026-04-01", "end": "2026-06-30",
                              "weeks": 13.0}
    expected = cli_json("plan", "--period", "2026-Q2", "--workspace", str(quota_path), *args)
    assert plan_of(page) == expected


def test_plan_rows_check_by_hand(qclient):
    page = qclient.json("/api/plan")
    rows = {r["rep"]: r for r in page["rows"]}
    assert {k: r["quota"] for k, r in rows.items()} == pytest.approx(Q2_QUOTAS)
    for r in rows.values():
        assert r["scenario"] == "base" and r["weeks"] == 13.0
        assert r["wins_needed"] == pytest.approx(r["quota"] / r["deal_size"])
        assert r["opportunities_needed"] == pytest.approx(r["wins_needed"] / r["win_rate"])
        top = r["steps"][0]
        assert top["per_week"] == pytest.approx(top["total_needed"] / 13.0)
        assert top["per_week_lo"] < top["per_week"] < top["per_week_hi"]
    # every rep has fewer than 10 closed deals, so each plans on the team's figures
    assert {r["rates_from"] for r in rows.values()} == {"team"}
    assert rows["ana"]["parent"] == "North" and rows["dee"]["parent"] == "South"
    assert "ana: only 8 closed opportunities (fewer than 10): North's figures used" \
        in page["notes"]
    # the West team is Fay Moss alone, with no won deal: she borrows the whole org's
    assert rows["Fay Moss"]["parent"] == "(all)"
    roll = page["rollup"]
    assert roll["reps"] == 6
    assert roll["quota"] == pytest.approx(sum(Q2_QUOTAS.values()))
    won = roll["steps"][-1]
    assert won["sum_of_reps"] == pytest.approx(sum(r["wins_needed"] for r in rows.values()))


def test_coaching_json_equals_cli_coach_json(qclient, quota_path):
    """At their own defaults: the week of the data's last day, 2026-04-10 (activities stop in
    mid-March in this org, so every rep missed the activity goal that week)."""
    page = qclient.json("/api/coaching")
    expected = cli_json("coach", "--workspace", str(quota_path))
    assert page["week"] == expected["week"] == "2026-04-06"
    assert page["flags"] == expected["flags"]
    assert page["settings"] == expected["settings"]
    assert page["notes"] == expected["notes"]
    assert page["flags"] and [f["rank"] for f in page["flags"]] == list(
        range(1, len(page["flags"]) + 1))


def test_coaching_json_of_a_week_equals_cli_coach_json(qclient, quota_path):
    page = qclient.json(f"/api/coaching?week={WEEK}")
    expected = cli_json("coach", "--week", WEEK, "--workspace", str(quota_path))
    assert page["week"] == expected["week"] == WEEK
    assert page["flags"] == expected["flags"]
    assert page["notes"] == expected["notes"]
    flags = {(f["rep"], f["rule"]): f for f in page["flags"]}
    # the week is coached as of the Monday after it, 2026-03-16: eli's o042 (65 days in
    # Qualified) and o043 (63) are past the 45 days within which 90% of the 11 won deals left
    # it; o047 (43 days) and o045 (35) are not yet
    eli = flags["eli", "stalled_deals"]
    assert [d["opportunity_id"] for d in eli["deals"]] == ["o042", "o043"]
    assert eli["figures"]["amount"] == 54000 + 30000
    # ana: no qualified opportunity created in the 2 weeks of 2026-Q2's creation window
    gap = flags["ana", "pipeline_gap"]
    assert gap["figures"]["created"] == 0 and gap["figures"]["weeks"] == 2
    assert gap["figures"]["needed"] == pytest.approx(2 * gap["figures"]["need_per_week"])
    assert [f["rank"] for f in page["flags"]] == list(range(1, len(page["flags"]) + 1))


def test_coaching_sections_are_the_cli_brief(qclient, quota_path):
    page = qclient.json(f"/api/coaching?week={WEEK}")
    md = cli_text("brief", "--week", WEEK, "--workspace", str(quota_path))
    assert [m["manager"] for m in page["managers"]] == ["Leo Marsh", "Mia Lund"]
    for m in page["managers"]:
        assert f"## {m['manager']} ({m['reps']} reps)" in md
        assert all(f"- {line}\n" in md for line in m["status"])
        for i, c in enumerate(m["conversations"], start=1):
            assert f"{i}. **{c['name']}** ({c['rep']}), {money(c['money'])} at stake: " \
                   f"{c['flags'][0]['rule_label']}: {c['title']}" in md
            assert f'Open with: "{c["opener"]}"' in md
        for s in m["bright_spots"]:
            assert f"- **{s['name']}** ({s['rep']}): {s['title']}" in md
        for d in m["deals"]:
            assert f"| {d['opportunity_id']} | {named(d['rep'], d['name'])} | {d['stage']} | " \
                   f"{money(d['amount'])} |" in md
    mia = page["managers"][1]
    assert [c["rep"] for c in mia["conversations"]] == ["ana"]
    assert mia["conversations"][0]["flags"][0]["rule"] == "pipeline_gap"


def test_shared_brief_is_the_cli_brief(ctx, quota_path):
    funnel = ctx.org.funnel
    run = coaching(ctx.org, config=coach_config(funnel), targets=targets_config(funnel))
    assert to_markdown(run.brief) == cli_text("brief", "--workspace", str(quota_path))


def test_pipeline_gap_gauge_holds_the_evidence(qclient):
    gauges = qclient.json(f"/api/coaching?week={WEEK}")["gauges"]
    assert [(g["rep"], g["rule"]) for g in gauges] == [("ana", "pipeline_gap")]
    g = gauges[0]
    assert g["recent"] == 0 and g["recent_lo"] == 0
    # Jeffreys Gamma(1/2, 2 weeks): the 97.5% point is chi2(0.975, 1) / 4 = 5.0239 / 4
    assert g["recent_hi"] == pytest.approx(5.02389 / 4, rel=1e-4)


# --- query options ------------------------------------------------------------------------

def test_plan_what_if_equals_cli_what_if(ctx, quota_path):
    """The data function with a period and a what-if (whatever the app passes on)."""
    page = as_json(plan_view.build(ctx, period="2026-Q2", what_if="deal-size=30000"))
    expected = cli_json("plan", "--period", "2026-Q2", "--what-if", "deal-size=30000",
                        "--workspace", str(quota_path))
    assert plan_of(page) == expected
    alt = [r for r in page["rows"] if r["scenario"] != "base"]
    assert {r["scenario"] for r in alt} == {"what-if: deal-size=30000"}
    assert {r["rep"]: r["wins_needed"] for r in alt} == pytest.approx(
        {k: q / 30000 for k, q in Q2_QUOTAS.items()})
    change = {(c["rep"], c["step"]): c for c in page["changes"]}
    base = {r["rep"]: r for r in page["rows"] if r["scenario"] == "base"}
    ana = change["ana", "won"]
    assert ana["scenario_per_week"] == pytest.approx(6.0 / 13.0)
    assert ana["change"] == pytest.approx(base["ana"]["deal_size"] / 30000 - 1)


def test_plan_what_if_query(qclient, quota_path):
    page = qclient.json("/api/plan?period=2026-Q2&what_if=deal-size%3D30000")
    expected = cli_json("plan", "--period", "2026-Q2", "--what-if", "deal-size=30000",
                        "--workspace", str(quota_path))
    assert plan_of(page) == expected
    assert page["what_if"] == "deal-size=30000"
    html = qclient.get("/plan?what_if=deal-size%3D30000").text
    assert "What if deal-size=30000" in html and "what-if: deal-size=30000" in html
    assert 'href="/api/plan?what_if=deal-size%3D30000"' in html


def test_coaching_week_query_equals_cli(qclient, quota_path):
    page = qclient.json("/api/coaching?week=2026-03-04&manager=Mia+Lund")
    expected = cli_json("coach", "--week", "2026-03-04", "--manager", "Mia Lund",
                        "--workspace", str(quota_path))
    assert page["week"] == expected["week"] == "2026-03-02"
    assert page["flags"] == expected["flags"]


def test_a_period_without_quota_says_so(qclient):
    """No North rep has a quota in 2026-Q3 (ana's end in Q2, ben's half-year in June)."""
    page = qclient.json("/api/plan?period=2026-Q3&team=North")
    assert page["rows"] == [] and page["period"]["label"] == "2026-Q3"
    assert page["empty"].startswith("no quota overlaps 2026-Q3")
    assert "No plan for these filters" in qclient.get("/plan?period=2026-Q3&team=North").text


def test_a_period_after_the_data_is_a_400(qclient):
    body = qclient.json("/api/plan?period=2027-Q1", status=400)
    # a plan looks a quarter further (its work starts a cycle early): 2026-Q4 is answered
    assert qclient.json("/api/plan?period=2026-Q4")["period"]["label"] == "2026-Q4"
    assert body["error"] == ("period 2027-Q1 starts after the data's today (2026-04-11) plus "
                             "one period and a quarter (records from 2026-01-05 to "
                             "2026-04-10): nothing in the data speaks to it yet")


BAD = [
    ("plan", {"period": "2026-Q5"}, "period '2026-Q5' is not a quarter, month, year or week"),
    ("plan", {"what_if": "deal-size"}, "what_if 'deal-size': expected NAME=NUMBER"),
    ("plan", {"what_if": "outreech=0.3"}, "did you mean 'outreach'?"),
    ("plan", {"what_if": "outreach=3"}, "a rate must be at most 1"),
    ("coaching", {"week": "2026-13-01"}, "week='2026-13-01' is not a date"),
]


@pytest.mark.parametrize(("name", "options", "fragment"), BAD)
def test_bad_options_are_user_errors(ctx, name, options, fragment):
    view = {"plan": plan_view, "coaching": coaching_view}[name]
    with pytest.raises(UserError, match=fragment.replace("?", r"\?")):
        view.build(ctx, **options)


@pytest.mark.parametrize(("name", "options", "fragment"), BAD)
def test_bad_options_give_400(qclient, name, options, fragment):
    query = "&".join(f"{k}={v.replace('=', '%3D')}" for k, v in options.items())
    body = qclient.json(f"/api/{name}?{query}", status=400)
    assert set(body) == ERROR_KEYS and body["status"] == 400 and body["ok"] is False
    assert fragment in body["error"]
    response = qclient.get(f"/{name}?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Back to the team overview" in response.text


# --- filters ------------------------------------------------------------------------------

def test_team_filter_restricts_the_plan(qclient, quota_path):
    page = qclient.json("/api/plan?team=North")
    assert {r["rep"] for r in page["rows"]} == NORTH
    assert page["rollup"]["quota"] == pytest.approx(sum(Q2_QUOTAS[k] for k in NORTH))
    with Workspace(quota_path, read_only=True) as ws:
        crm = restrict(ws.crm(), Scope(team="North"))
        groups = load_groups(crm, parse_period("2026-Q2"), Options())
        plans = make_plans(list(groups.funnels), list(groups.targets), groups=groups)
    assert page["rows"] == as_json([plan_report.plan_record(p, by="rep") for p in plans.base])
    assert page["rollup"] == as_json(plan_report.rollup_record(plans.rollup))


def test_manager_filter_keeps_the_cli_flags_of_their_reps(qclient, quota_path):
    page = qclient.json("/api/coaching?manager=Mia+Lund")
    expected = cli_json("coach", "--manager", "Mia Lund", "--workspace", str(quota_path))
    assert page["flags"] == expected["flags"]
    assert {f["rep"] for f in page["flags"]} <= NORTH
    assert [m["manager"] for m in page["managers"]] == ["Mia Lund"]
    assert page["managers"][0]["reps"] == 3


def test_team_filter_keeps_the_teams_reps(qclient):
    everyone = qclient.json("/api/coaching")
    south = qclient.json("/api/coaching?team=South")
    assert south["flags"] == [
        {**f, "rank": i} for i, f in
        enumerate((f for f in everyone["flags"] if f["rep"] in ("dee", "eli")), start=1)]
    assert [(m["manager"], m["reps"]) for m in south["managers"]] == [("Leo Marsh", 2)]
    assert {d["rep"] for d in south["managers"][0]["deals"]} == {"eli"}


def test_until_moves_the_default_period(qclient):
    """The day after until is 2026-03-01: a third of 2026-Q1 (31 of 90 days) remains."""
    page = qclient.json("/api/plan?until=2026-02-28")
    assert page["period"]["label"] == "2026-Q1"
    assert page["period_reason"] == ("the quarter that contains the day after the until "
                                     "filter (2026-03-01)")
    later = qclient.json("/api/plan?until=2026-03-02")
    assert later["period"]["label"] == "2026-Q2"
    assert later["period_reason"] == ("the quarter after 2026-Q1: less than a third of 2026-Q1 "
                                      "remains from the day after the until filter (2026-03-03)")


# --- without quotas, and in the report ----------------------------------------------------

def test_org_without_quotas_gets_a_plan_page_that_says_so(client):
    page = client.json("/api/plan")
    assert page["rows"] == [] and page["period"]["label"] == "2026-Q2"
    assert page["empty"].startswith("no quota")
    response = client.get("/plan")
    assert response.status_code == 200
    assert "No plan for these filters" in response.text
    assert response.text.count('class="plotly-graph-div"') == 2


def test_report_sections_render(ctx):
    sections = [render.section(view.PAGE, view.PAGE.build(ctx), {}, prefix=f"{view.PAGE.name}-")
                for view in (plan_view, coaching_view)]
    html = render.render("_report.html", sections=sections, description="test", latest=None,
                         generated="now", **render.chrome(query="", inline=True))
    assert '<section id="plan" class="page page-plan">' in html
    assert '<section id="coaching" class="page page-coaching">' in html
    assert 'id="plan-volume"' in html and 'id="coaching-evidence"' in html
    assert "<form" not in html
    assert 'href="#rep-ana"' in html
