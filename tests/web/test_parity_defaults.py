"""Every page's JSON twin at its default filters equals the matching command at its default
options: no date, period or as-of day is passed to either side, so a disagreement about what
"today" or the default period is shows here (a test that passed one side's date to the other
could not see it). On the demo org (`funnelwise demo`'s settings) and on Maven.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app as cli
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.web.app import create_app
from tests.conftest import MAVEN, needs, raw_sql
from tests.web.conftest import Client


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The org `funnelwise demo` makes: 20 reps, 52 weeks, seed 7."""
    from funnelwise.simulate import SimConfig, simulate_org, write_org

    root = tmp_path_factory.mktemp("demo")
    write_org(simulate_org(SimConfig(reps=20, weeks=52, seed=7)), root / "csv")
    path = root / "demo.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [root / "csv"], presets.get("canonical"))
    return path


def run(workspace: Path, *args: str) -> tuple[int, Any]:
    result = CliRunner().invoke(cli, [*args, "--format", "json", "--workspace", str(workspace)])
    if result.exit_code:
        return result.exit_code, " ".join(result.output.split())
    return 0, json.loads(result.stdout)


def cli_json(workspace: Path, *args: str) -> Any:
    code, out = run(workspace, *args)
    assert code == 0, out
    return out


def first(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    return rows[0] if rows else None


def check_overview(client: Client, path: Path) -> None:
    page = client.json("/api/overview")
    assert page["funnel"] == cli_json(path, "funnel", "--by", "all")
    assert page["winrates"] == cli_json(path, "winrates")  # --by rep is the default
    assert page["winrate_all"] == first(cli_json(path, "winrates", "--by", "all"))
    assert page["cycle"] == cli_json(path, "cycle")
    assert page["cycle_all"] == first(cli_json(path, "cycle", "--by", "all"))


def check_pipeline(client: Client, path: Path) -> dict[str, Any]:
    page = client.json("/api/pipeline")
    review = cli_json(path, "review")
    assert page["review"] == review
    assert page["as_of"] == review["as_of"]
    code, coverage = run(path, "coverage")
    assert page["coverage"] == (coverage if code == 0 else [])
    return page


def check_plan(client: Client, path: Path) -> None:
    page = client.json("/api/plan")
    code, plan = run(path, "plan")
    if code == 0:
        assert {k: page[k] for k in ("period", "as_of", "rows", "rollup", "notes")} == plan
    else:
        assert page["rows"] == [] and page["empty"] in plan


def check_coaching(client: Client, path: Path) -> None:
    code, coach = run(path, "coach")
    page = client.json("/api/coaching")
    if code:
        assert page["flags"] == [] and page["empty"] in coach
        return
    assert (page["week"], page["flags"], page["notes"]) == (
        coach["week"], coach["flags"], coach["notes"])


def check_forecast(client: Client, path: Path) -> None:
    page = client.json("/api/forecast")
    # the page's forecast runs with the CLI's defaults: the same period and as-of day
    rows = cli_json(path, "forecast", "--method", "all")
    assert page["forecast"] == rows
    assert {r["period"] for r in rows} == {page["period"]["label"]}
    assert {r["as_of"] for r in rows} == {page["as_of"]}


def check_changes(client: Client, path: Path) -> None:
    """`changes` at its defaults (the last 7 days up to the data's today, the default period of
    that day) is the /changes twin and the pipeline page's "What changed" section."""
    changes = cli_json(path, "changes")
    page = client.json("/api/changes")
    assert {k: page[k] for k in changes} == changes
    pipeline = client.json("/api/pipeline")
    assert {k: pipeline["changes"][k] for k in changes} == changes
    assert (changes["to"], changes["period"]) == (pipeline["as_of"], pipeline["period"])


def check_calls(client: Client, path: Path) -> None:
    """`calls` at its defaults is the /calls twin and the forecast page's "Calls" section:
    its rep and everyone rows, the record and the notes; the page adds the managers' rows."""
    code, calls = run(path, "calls")
    page = client.json("/api/calls")
    forecast = client.json("/api/forecast")
    assert forecast["calls"] == {k: v for k, v in page.items()
                                 if k not in ("ok", "page", "filters", "title")}
    if code:
        assert page["calls"] == [] and page["missing"], calls
        return
    assert (page["period"], page["as_of"]) == (calls["period"], calls["as_of"])
    assert (forecast["period"]["label"], forecast["as_of"]) == (
        calls["period"]["label"], calls["as_of"])
    assert [r for r in page["calls"] if r["level"] != "manager"] == calls["calls"]
    assert (page["record"], page["notes"]) == (calls["record"], calls["notes"])


def check_rep(client: Client, path: Path, rep: str) -> None:
    page = client.json(f"/api/reps/{rep.replace(' ', '%20')}")
    review = cli_json(path, "review", "--rep", rep)
    flags = {d["opportunity_id"]: d["flags"] for d in review["opportunities"]}
    assert {d["opportunity_id"] for d in page["open_deals"]} == set(flags)
    assert all(d["flags"] == flags[d["opportunity_id"]] for d in page["open_deals"])
    assert page["review_as_of"] == review["as_of"]
    code, plan = run(path, "plan")
    if code == 0 and page["plan"] is not None:
        assert page["plan"] == next(r for r in plan["rows"] if r["rep"] == rep)


def test_demo_pages_equal_the_commands_at_their_defaults(demo_path):
    client = Client(create_app(demo_path))
    check_overview(client, demo_path)
    page = check_pipeline(client, demo_path)
    assert page["as_of"] == "2026-06-29" and page["period"]["label"] == "2026-Q3"
    check_plan(client, demo_path)
    assert client.json("/api/plan")["period"]["label"] == "2026-Q3"
    check_coaching(client, demo_path)
    check_forecast(client, demo_path)
    check_rep(client, demo_path, "R003")
    check_changes(client, demo_path)
    assert client.json("/api/changes")["from"] == "2026-06-22"
    check_calls(client, demo_path)
    calls = client.json("/api/calls")
    assert calls["missing"] is None and len(calls["record"]) == 20


@needs(MAVEN)
def test_maven_pages_equal_the_commands_at_their_defaults(maven_path):
    client = Client(create_app(maven_path))
    check_overview(client, maven_path)
    check_pipeline(client, maven_path)
    check_plan(client, maven_path)
    check_coaching(client, maven_path)
    check_forecast(client, maven_path)
    check_rep(client, maven_path, "Darcel Schlecht")
    check_changes(client, maven_path)
    check_calls(client, maven_path)


@needs(MAVEN)
def test_maven_review_totals_equal_plain_sql_at_the_day_the_command_reports(maven_path):
    """Open as of 2018-01-01 (the day after the last close): Prospecting and Engaging deals,
    priced at close_value or, where it is missing or 0, the product's list price."""
    review = cli_json(maven_path, "review")
    assert review["as_of"] == "2018-01-01"
    pipeline = f"read_csv('{MAVEN / 'sales_pipeline.csv'}', all_varchar=true)"
    products = f"read_csv('{MAVEN / 'products.csv'}', all_varchar=true)"
    ((last,),) = raw_sql(f"SELECT max(CAST(close_date AS DATE)) FROM {pipeline}")
    assert str(last) == "2017-12-31"
    deals, value = raw_sql(
        f"SELECT count(*), sum(CASE WHEN TRY_CAST(s.close_value AS DOUBLE) > 0 THEN "
        f"CAST(s.close_value AS DOUBLE) ELSE CAST(p.sales_price AS DOUBLE) END) "
        f"FROM {pipeline} s JOIN {products} p ON replace(lower(p.product), ' ', '') = "
        f"replace(lower(s.product), ' ', '') WHERE s.deal_stage IN ('Prospecting', 'Engaging')"
    )[0]
    (overall,) = [t for t in review["totals"] if t["level"] == "all"]
    assert (overall["deals"], overall["raw_value"]) == (deals, pytest.approx(value))
    page = Client(create_app(maven_path)).json("/api/pipeline")
    (shown,) = [t for t in page["review"]["totals"] if t["level"] == "all"]
    assert (shown["deals"], shown["raw_value"]) == (deals, pytest.approx(value))


def test_a_date_beyond_any_calendar_is_a_400_not_a_500(demo_path):
    client = Client(create_app(demo_path))
    for url in ("/api/overview?until=9999-12-31", "/api/overview?since=99999-01-01",
                "/api/pipeline?as_of=9999-12-31"):
        response = client.get(url)
        assert response.status_code == 400, (url, response.text)
        assert "records from 2025-06-30 to 2026-06-28" in response.json()["error"] or (
            "is not a date" in response.json()["error"])
