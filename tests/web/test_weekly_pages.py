"""What changed in the pipeline (the pipeline page's waterfall, /changes) and the reps' calls
(the forecast page's section, /calls) on the six-rep test org, whose data ends on 2026-04-10:
the page's figures against plain SQL over the CSVs it was imported from, the roll-up per
manager against its reps, the scope's figures against the whole org's, and the HTML and the
report against the JSON.

The org's deals keep their amount and expected close date, and each carries the forecast
category its stage implies (Negotiation: commit, Proposal: best case), so the calls can be
summed by hand.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from funnelwise.io.workspace import Workspace
from tests.conftest import raw_sql
from tests.web.conftest import Client
from tests.web.shared import Cached

WEEK = ("2026-04-04", "2026-04-11")
Q2 = ("2026-04-01", "2026-06-30")


@pytest.fixture(scope="module")
def web(app: Any) -> Cached:
    return Cached(app)


def opportunities(org_path: Path) -> str:
    return f"read_csv('{org_path.parent / 'csv' / 'opportunities.csv'}', all_varchar=true)"


def open_in_q2(org_path: Path, day: str) -> tuple[int, float]:
    """Deals open at the start of `day` expected by Q2's end (in Q2, or overdue at `day`)."""
    ((deals, value),) = raw_sql(
        f"SELECT count(*), sum(CAST(amount AS DOUBLE)) FROM {opportunities(org_path)} "
        f"WHERE created_at < '{day}' AND (closed_at IS NULL OR closed_at >= '{day}') "
        f"AND expected_close_date <= '{Q2[1]}' "
        f"AND (expected_close_date >= '{Q2[0]}' OR expected_close_date < '{day}')")
    return deals, value


def closed_in_week(org_path: Path, status: str) -> tuple[int, float]:
    """Deals of the first day's Q2 pipeline closed `status` during the week."""
    start, end = WEEK
    ((deals, value),) = raw_sql(
        f"SELECT count(*), coalesce(sum(CAST(amount AS DOUBLE)), 0) "
        f"FROM {opportunities(org_path)} WHERE status = '{status}' AND created_at < '{start}' "
        f"AND closed_at >= '{start}' AND closed_at < '{end}' "
        f"AND expected_close_date <= '{Q2[1]}' "
        f"AND (expected_close_date >= '{Q2[0]}' OR expected_close_date < '{start}')")
    return deals, -value


def test_waterfall_equals_plain_sql_over_the_imported_csv(web, org_path):
    page = web.json("/api/changes")
    assert (page["from"], page["to"], page["period"]["label"]) == (*WEEK, "2026-Q2")
    lines = {r["line"]: (r["deals"], r["value"]) for r in page["waterfall"]}
    assert list(lines) == ["start", "won", "lost", "end"]
    assert lines["start"] == open_in_q2(org_path, WEEK[0]) == (21, 643_000.0)
    assert lines["end"] == open_in_q2(org_path, WEEK[1]) == (18, 533_000.0)
    assert lines["won"] == closed_in_week(org_path, "won") == (1, -49_000.0)
    assert lines["lost"] == closed_in_week(org_path, "lost") == (2, -61_000.0)
    assert sum(v for _, v in lines.values()) - 2 * lines["end"][1] == 0  # start + moves = end
    assert sorted(d["opportunity_id"] for d in page["deals"]) == ["o000", "o031", "o050"]


def test_pipeline_page_shows_the_waterfall_of_its_own_day_and_period(web):
    page = web.json("/api/pipeline?as_of=2026-04-08&period=2026-05")
    changes = page["changes"]
    assert (changes["from"], changes["to"], changes["period"]["label"]) == (
        "2026-04-01", "2026-04-08", "2026-05")
    html = web.get("/pipeline?as_of=2026-04-08&period=2026-05").text
    assert "What changed in the 2026-05 pipeline, 2026-04-01 to 2026-04-08" in html
    assert 'id="waterfall"' in html
    assert ("<code>funnelwise changes --from 2026-04-01 --to 2026-04-08 --period 2026-05"
            "</code> prints these figures") in html


def test_changes_page_shows_the_table_the_chart_draws(web):
    html = web.get("/changes").text
    assert '<tr data-line="start"><td><strong>Open value at the start</strong></td>' \
           '<td class="num">21</td><td class="num">643.0k</td></tr>' in html
    assert '<td>- Lost</td><td class="num">2</td><td class="num">-61.0k</td>' in html
    assert "9 deals worth 229.0k moved forward a stage" in html
    assert "The 3 deal movements behind the lines" in html
    late = web.get("/api/changes?start=2026-04-11")
    assert late.status_code == 400
    assert late.json()["error"].startswith("start=2026-04-11 is not before as_of=2026-04-11")
    bad = web.get("/api/changes?start=2026-13-01")
    assert bad.status_code == 400 and "start='2026-13-01' is not a date" in bad.json()["error"]


def test_a_scope_shows_only_its_reps_deals(web):
    whole = web.json("/api/changes")
    south = web.json("/api/changes?team=South")
    assert south["whole_org"] is False and south["scope"] == "team South"
    ids = {d["opportunity_id"] for d in south["deals"]}
    assert ids < {d["opportunity_id"] for d in whole["deals"]}, "another team's are left out"
    assert sum(r["value"] for r in south["waterfall"] if r["line"] == "end") < sum(
        r["value"] for r in whole["waterfall"] if r["line"] == "end")
    assert "prints the whole organisation's figures; this shows team South" in web.get(
        "/changes?team=South").text


def commit_by_rep(org_path: Path) -> dict[str, tuple[float, float]]:
    """Per rep: won in Q2 before 2026-04-11, and that plus the open Negotiation deals (called
    commit) expected by Q2's end: the commit as called."""
    rows = raw_sql(
        f"SELECT owner_rep_id, "
        f"sum(CASE WHEN status = 'won' AND closed_at >= '{Q2[0]}' THEN CAST(amount AS DOUBLE) "
        f"ELSE 0 END), "
        f"sum(CASE WHEN (status = 'won' AND closed_at >= '{Q2[0]}') OR (status = 'open' AND "
        f"stage = 'Negotiation' AND expected_close_date <= '{Q2[1]}') "
        f"THEN CAST(amount AS DOUBLE) ELSE 0 END) "
        f"FROM {opportunities(org_path)} GROUP BY owner_rep_id")
    return {rep: (won, commit) for rep, won, commit in rows}


def test_calls_equal_plain_sql_and_roll_up_per_manager(web, org_path):
    page = web.json("/api/calls")
    assert (page["period"]["label"], page["as_of"]) == ("2026-Q2", "2026-04-11")
    reps = {r["key"]: r for r in page["calls"] if r["level"] == "rep"}
    expected = commit_by_rep(org_path)
    assert {k: (r["won_so_far"], r["commit"]) for k, r in reps.items()} == expected
    assert reps["ana"]["commit"] == 49_000.0 and reps["ben"]["commit"] == 48_500.0
    managers = {r["key"]: r for r in page["calls"] if r["level"] == "manager"}
    assert set(managers) == {"Mia Lund", "Leo Marsh"}
    for name, row in managers.items():
        mine = [r for r in reps.values() if r["manager"] == name]
        for field in ("won_so_far", "commit", "best_case"):
            assert row[field] == pytest.approx(sum(r[field] for r in mine)), (name, field)
    assert managers["Leo Marsh"]["commit"] == 36_000.0
    (everyone,) = [r for r in page["calls"] if r["level"] == "all"]
    assert everyone["commit"] == sum(c for _, c in expected.values()) == 146_500.0


def test_calls_without_a_record_say_what_a_record_needs(web):
    page = web.json("/api/calls")
    assert page["record"] == [] and page["missing"] is None
    assert page["no_record"] == ("No past calls to compare with what was won: calls need "
                                 "forecast categories kept by repeated imports or a "
                                 "forecast_calls table")
    html = web.get("/forecast").text
    assert "Calls for 2026-Q2 as of 2026-04-11" in html
    assert f"{page['no_record']}." in html
    assert '<tr data-key="Leo Marsh" data-level="manager">' in html
    assert "funnelwise calls --by manager --period 2026-Q2 --as-of 2026-04-11" in html


def test_each_manager_row_heads_their_reps(web):
    html = web.get("/calls").text
    groups = re.findall(r'<tbody class="group">(.*?)</tbody>', html, flags=re.S)
    keys = [re.findall(r'data-key="([^"]+)" data-level="(\w+)"', g) for g in groups]
    assert keys == [
        [("Leo Marsh", "manager"), ("Fay Moss", "rep"), ("dee", "rep"), ("eli", "rep")],
        [("Mia Lund", "manager"), ("ana", "rep"), ("ben", "rep"), ("cy", "rep")]]
    assert "<td>3 reps</td>" in groups[0]


def test_a_workspace_without_calls_says_so(tmp_path):
    from funnelwise.io import presets
    from funnelwise.io.importer import run_import
    from funnelwise.web.app import create_app
    from tests.web.orgdata import write_org

    folder = write_org(tmp_path / "csv")
    raw = (folder / "opportunities.csv").read_text().splitlines()
    (folder / "opportunities.csv").write_text(
        "\n".join(line.rsplit(",", 1)[0] for line in raw) + "\n")
    with Workspace(tmp_path / "bare.duckdb") as ws:
        run_import(ws, [folder], presets.get("canonical"))
    client = Client(create_app(tmp_path / "bare.duckdb"))
    page = client.json("/api/calls")
    assert page["missing"].startswith("No forecast calls in whole organisation: no deal carries")
    html = client.get("/calls").text
    assert html.count('class="plotly-graph-div"') == 0 and page["missing"] in html
