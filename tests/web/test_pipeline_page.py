"""The pipeline review page and the rep page's flags and plan line, against the CLI's JSON.

The six-rep test org has no quotas and no deal that breaks a disqualifying rule, so these tests
use it plus a quotas.csv (`QUOTAS`: the same quota in 2026-Q1 and 2026-Q2, none for eli) and
one open 400k deal of ben's (`BIG_DEAL`, 12x the organisation's average won deal): the
figures below are checked by hand against it. The page's as-of day is the data's today,
2026-04-11 (the day after the last close: ana won o000, 49k, on 2026-04-10), as `review`'s is,
so the coverage period defaults to 2026-Q2 (81 of its 91 days remain). Open then: the 19 deals
whose status is open, 933k, of which o900 (400k) is qualified out.

The page options `?as_of=` and `?period=` are checked over HTTP and on the data functions.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from funnelwise.errors import UserError
from funnelwise.formats import count
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.metrics.scope import Scope, restrict
from funnelwise.pipeline.run import run_review
from funnelwise.presentation.pipeline import review_payload
from funnelwise.web.app import create_app
from funnelwise.web.context import make_context
from funnelwise.web.filters import Filters
from funnelwise.web.views import pipeline as pipeline_view
from funnelwise.web.views import rep as rep_view
from tests.web.orgdata import write_org
from tests.web.shared import Cached, as_json, cli_json

QUOTAS = {"ana": 120_000, "ben": 40_000, "cy": 90_000, "dee": 20_000, "Fay Moss": 150_000}
BIG_DEAL = ["o900", "ben", "acc2", "outbound", "Core", "2026-03-02", "Proposal", 400000,
            "2026-05-15", "open", "", "best_case"]
BIG_HISTORY = [["o900", "Qualified", "2026-03-02"], ["o900", "Proposal", "2026-03-09"]]
AS_OF = "2026-04-11"
ERROR_KEYS = {"ok", "status", "title", "error"}


def _append(path: Path, rows: list[list[Any]]) -> None:
    with path.open("a", newline="") as f:
        csv.writer(f).writerows(rows)


@pytest.fixture(scope="module")
def pipe_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The six-rep org with quotas for 2026-Q1 and Q2 and one oversized open deal."""
    root = tmp_path_factory.mktemp("pipeline-org")
    data = write_org(root / "csv")
    rows = [[rep, start, end, amount] for rep, amount in QUOTAS.items()
            for start, end in (("2026-01-01", "2026-03-31"), ("2026-04-01", "2026-06-30"))]
    with (data / "quotas.csv").open("w", newline="") as f:
        csv.writer(f).writerows([["rep_id", "period_start", "period_end", "amount"], *rows])
    _append(data / "opportunities.csv", [BIG_DEAL])
    _append(data / "stage_history.csv", BIG_HISTORY)
    path = root / "org.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [data], presets.get("canonical"))
    return path


@pytest.fixture(scope="module")
def papp(pipe_path: Path) -> Any:
    return create_app(pipe_path)


@pytest.fixture(scope="module")
def pclient(papp: Any) -> Cached:
    return Cached(papp)


@pytest.fixture(scope="module")
def ctx(pipe_path: Path) -> Any:
    """A page context over the org with no filters (a read-only open, as a page's)."""
    with Workspace(pipe_path, read_only=True) as ws:
        yield make_context(ws.crm(), Filters())


def by_rep(rows: list[dict[str, Any]], key: str = "rep") -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in rows}


@pytest.mark.parametrize(("url", "charts"), [("/pipeline", 3), ("/reps/ben", 2),
                                             ("/reps/eli", 2)])
def test_pages_render_with_their_charts(pclient, url, charts):
    response = pclient.get(url)
    assert response.status_code == 200
    html = response.text
    assert html.count('class="plotly-graph-div"') == charts
    assert "Plotly.newPlot" in html


def test_pipeline_page_shows_the_three_values_coverage_and_qualify_out(pclient):
    html = pclient.get("/pipeline").text
    assert 'href="/pipeline"' in html, "the page is in the navigation"
    assert "933.0k" in html and "533.0k" in html  # raw and qualified pipeline
    assert "Qualify out: 1 deal, 400.0k at stake" in html
    # the 14 wins before 2026-04-11 average 468.5k / 14 = 33.5k: 400k is 12.0x
    assert "amount 400.0k is 12.0x the organisation&#39;s average won deal" in html
    assert "inflated" in html and "4.2x" in html  # ben's qualified coverage
    assert "Deals with warnings: 18 deals, 533.0k" in html


def test_pipeline_json_twin_is_the_review_and_coverage_cli(pclient, pipe_path):
    """Each side at its own defaults: no date or period passed to either."""
    page = pclient.json("/api/pipeline")
    ws = str(pipe_path)
    assert page["as_of"] == AS_OF and page["period"]["label"] == "2026-Q2"
    assert page["review"] == cli_json("review", "-w", ws)
    assert page["coverage"] == cli_json("coverage", "-w", ws)
    assert page["coverage"] == cli_json("coverage", "--as-of", AS_OF, "--period", "2026-Q2",
                                        "-w", ws)
    overall = page["overall"]
    assert (overall["deals"], overall["raw_value"], overall["qualified_value"]) == (
        19, 933_000.0, 533_000.0)
    deals = page["review"]["opportunities"]
    assert overall["realistic_value"] == pytest.approx(
        sum(d["amount"] * d["probability"] for d in deals), abs=0.01)
    assert 0 < overall["realistic_value"] < overall["raw_value"]
    assert [d["opportunity_id"] for d in page["review"]["qualify_out"]] == ["o900"]
    assert len(page["warnings"]) == 18 and all(d["flags"] for d in page["warnings"])


def test_pipeline_rep_rows_join_values_and_coverage(pclient):
    reps = by_rep(pclient.json("/api/pipeline")["reps"])
    assert sorted(reps) == ["Fay Moss", "ana", "ben", "cy", "dee", "eli"]
    ben = reps["ben"]
    assert (ben["raw_value"], ben["qualified_value"], ben["quota"]) == (568_000.0, 168_000.0,
                                                                        40_000.0)
    assert ben["status"] == "inflated"
    assert ben["coverage"] == pytest.approx(568_000 / 40_000)
    assert ben["qualified_coverage"] == pytest.approx(168_000 / 40_000)
    assert ben["required_coverage"] == pytest.approx(1 / ben["win_rate"])
    assert reps["ana"]["status"] == "under-covered"
    # o009 and o008 open (50k) against the quota less o000, won on 2026-04-10 (49k)
    assert reps["ana"]["coverage"] == pytest.approx(50_000 / (120_000 - 49_000))
    assert reps["eli"]["status"] is None and reps["eli"]["raw_value"] == 182_500.0


def test_pipeline_options_on_the_data_function(ctx, pipe_path):
    data = as_json(pipeline_view.build(ctx, as_of="2026-03-01", period="2026-Q1"))
    ws = str(pipe_path)
    assert data["review"] == cli_json("review", "--as-of", "2026-03-01", "-w", ws)
    assert data["coverage"] == cli_json("coverage", "--as-of", "2026-03-01", "--period",
                                        "2026-Q1", "-w", ws)
    status = {r["rep"]: r["status"] for r in data["coverage"]}
    # ben holds 3.61x his remaining quota; his shrunk win rate, 26.6%, asks for 3.76x
    assert status == {"Fay Moss": "under-covered", "ana": "healthy", "ben": "under-covered",
                      "cy": "under-covered", "dee": "target met"}
    ben = next(r for r in data["coverage"] if r["rep"] == "ben")
    assert ben["coverage"] == pytest.approx(3.6125)
    assert ben["required_coverage"] == pytest.approx(1 / ben["win_rate"])


def test_pipeline_options_over_http(pclient, ctx, pipe_path):
    page = pclient.json("/api/pipeline?as_of=2026-03-01&period=2026-Q1")
    built = as_json(pipeline_view.build(ctx, as_of="2026-03-01", period="2026-Q1"))
    assert {k: v for k, v in page.items() if k not in ("ok", "page", "filters")} == built
    html = pclient.get("/pipeline?as_of=2026-03-01&period=2026-Q1").text
    assert 'name="period" value="2026-Q1"' in html and 'value="2026-03-01"' in html
    rep = pclient.json("/api/reps/ana?period=2026-Q1&as_of=2026-03-01")
    rows = cli_json("plan", "--period", "2026-Q1", "-w", str(pipe_path))["rows"]
    assert rep["plan"] == next(r for r in rows if r["rep"] == "ana")
    assert rep["review_as_of"] == "2026-03-01"


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"as_of": "2026-13-01"}, "as_of='2026-13-01' is not a date (expected YYYY-MM-DD)"),
    ({"period": "2026-Q5"}, "period '2026-Q5' is not a quarter, month, year or week"),
])
def test_bad_options_are_user_errors(ctx, kwargs, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        pipeline_view.build(ctx, **kwargs)
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        rep_view.build(ctx, "ben", **kwargs)


@pytest.mark.parametrize(("query", "message"), [
    ("as_of=2026-13-01", "as_of='2026-13-01' is not a date (expected YYYY-MM-DD)"),
    ("period=2026-Q5", "period '2026-Q5' is not a quarter, month, year or week"),
])
def test_bad_options_get_the_error_shape_and_page(pclient, query, message):
    for api in ("/api/pipeline", "/api/reps/ben"):
        body = pclient.json(f"{api}?{query}", status=400)
        assert set(body) == ERROR_KEYS
        assert body["status"] == 400 and body["title"] == "Bad request"
        assert message in body["error"]
    response = pclient.get(f"/pipeline?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert message.replace("'", "&#39;") in response.text


@pytest.mark.parametrize(("query", "scope", "reps"), [
    ("team=North", Scope(team="North"), ["ana", "ben", "cy"]),
    ("manager=Leo+Marsh", Scope(manager="Leo Marsh"), ["Fay Moss", "dee", "eli"]),
])
def test_scope_filters_restrict_rows(pclient, pipe_path, query, scope, reps):
    page = pclient.json(f"/api/pipeline?{query}")
    assert sorted(by_rep(page["reps"])) == reps
    assert {d["rep"] for d in page["review"]["opportunities"]} <= set(reps)
    assert sorted(r["rep"] for r in page["coverage"]) == [r for r in reps if r in QUOTAS]
    with Workspace(pipe_path, read_only=True) as ws:
        crm = restrict(ws.crm(), scope)
        expected = as_json({**review_payload(run_review(crm, as_of=page_day(page))),
                            "accuracy": None})  # an import by the API keeps no accuracy
    assert page["review"] == expected
    everyone = pclient.json("/api/pipeline")
    assert page["overall"]["raw_value"] < everyone["overall"]["raw_value"]


def page_day(page: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(page["as_of"])


@pytest.mark.parametrize("rep", ["ben", "eli", "Fay Moss"])
def test_rep_page_flags_are_the_reviews(pclient, pipe_path, rep):
    page = pclient.json(f"/api/reps/{rep.replace(' ', '%20')}")
    review = cli_json("review", "--rep", rep, "-w", str(pipe_path))
    flags = {d["opportunity_id"]: d["flags"] for d in review["opportunities"]}
    assert page["open_deals"], "every one of these reps has open deals"
    for deal in page["open_deals"]:
        assert deal["flags"] == flags.get(deal["opportunity_id"], [])
    assert sum(bool(d["flags"]) for d in page["open_deals"]) == len(flags)


def test_rep_page_shows_the_disqualifying_flag(pclient):
    deals = pclient.json("/api/reps/ben")["open_deals"]
    assert deals[0]["opportunity_id"] == "o900"
    assert [(f["rule"], f["disqualifying"]) for f in deals[0]["flags"]] == [
        ("amount_above_history", True)]
    html = pclient.get("/reps/ben").text
    assert "✗ Amount far above history: amount 400.0k is 12.0x" in html


def test_rep_plan_is_the_plan_cli_row(pclient, pipe_path):
    page = pclient.json("/api/reps/ben")
    rows = cli_json("plan", "--period", "2026-Q2", "-w", str(pipe_path))["rows"]
    row = next(r for r in rows if r["rep"] == "ben")
    assert page["plan"] == row
    need = page["activity"]["plan"]
    assert need["step"] == "outreach" == page["activity"]["volume_step"]
    assert need["per_week"] == row["steps"][0]["per_week"]
    assert (need["per_week_lo"], need["per_week_hi"]) == (row["steps"][0]["per_week_lo"],
                                                          row["steps"][0]["per_week_hi"])
    assert need["per_week"] == pytest.approx(row["steps"][0]["total_needed"] / (91 / 7))
    weeks = page["activity"]["weeks"]
    inside = [w for w in weeks if need["start_week"] <= w["week"] <= need["end_week"]]
    assert inside and all(w["plan"] == need["per_week"] for w in inside)
    assert all(w["plan"] is None for w in weeks if w not in inside)
    assert all(w["vs_plan"] == pytest.approx(w["volume"] / need["per_week"]) for w in inside)
    html = pclient.get("/reps/ben").text
    assert f"plan needs {count(need['per_week'], up=True)} outreach a week" in html
    assert "Actual / plan" in html


def test_rep_plan_follows_the_period_option(ctx, pipe_path):
    data = as_json(rep_view.build(ctx, "ana", period="2026-Q1"))
    rows = cli_json("plan", "--period", "2026-Q1", "-w", str(pipe_path))["rows"]
    assert data["plan"] == next(r for r in rows if r["rep"] == "ana")
    assert data["plan"]["quota"] == 120_000.0


def test_rep_without_quota_has_no_plan_line(pclient):
    page = pclient.json("/api/reps/eli")
    assert page["plan"] is None and page["activity"]["plan"] is None
    assert page["plan_note"] == "No quota in 2026-Q2, so no plan to measure activity against"
    assert all(w["plan"] is None for w in page["activity"]["weeks"])
    html = pclient.get("/reps/eli").text
    assert "No quota in 2026-Q2, so no plan to measure activity against." in html
    assert "Actual / plan" not in html and "plan: " not in html


def test_org_without_quotas_says_so(client):
    page = client.json("/api/pipeline")
    assert page["coverage"] == [] and all(r["status"] is None for r in page["reps"])
    assert page["coverage_missing"].startswith("no quota overlaps 2026-Q2 (2026-04-01 to "
                                               "2026-06-30)")
    assert page["overall"]["raw_value"] == 533_000.0  # the open deals of the file
    rep = client.json("/api/reps/dee")
    assert rep["plan"] is None
    assert rep["plan_note"].startswith("No plan for 2026-Q2: no quota")
    assert client.get("/pipeline").status_code == 200
