"""The forecast page: the next period per method and its backtest, equal to the CLI's
`forecast --format json` and `backtest --format json` for the same inputs.

Most checks run on a simulated org with 30 weeks of history (two teams), long enough for a
quarterly backtest; the six-rep org of the other web tests has too little history for one.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app as cli
from funnelwise.errors import UserError
from funnelwise.forecast.backtest import run_backtest
from funnelwise.forecast.horizon import parse_horizon
from funnelwise.forecast.results import backtest_results, forecast_result, method_names
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.metrics.scope import Scope, restrict
from funnelwise.periods import add_months, parse_period
from funnelwise.presentation.forecast import backtest_verdict, results_doc
from funnelwise.web.app import create_app
from funnelwise.web.context import make_context
from funnelwise.web.filters import Filters
from funnelwise.web.views import forecast
from tests.web.conftest import Client

ERROR_KEYS = {"ok", "status", "title", "error"}
METHODS = ["funnelwise", "stage_weighted", "run_rate"]


@pytest.fixture(scope="module")
def sim_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 simulated reps in two teams, 2025-06-30 to 2026-01-25 (seed 5)."""
    from funnelwise.simulate import SimConfig, simulate_org, write_org

    data = tmp_path_factory.mktemp("forecast-sim")
    write_org(simulate_org(SimConfig(reps=12, weeks=30, seed=5)), data)
    path = data / "ws.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [data], presets.get("canonical"))
    return path


@pytest.fixture(scope="module")
def sim(sim_path: Path) -> Client:
    return Client(create_app(sim_path))


@pytest.fixture(scope="module")
def whole(sim: Client) -> dict:
    return sim.json("/api/forecast")


def cli_json(workspace: Path, command: str) -> object:
    """Run a command as the page prints it (`funnelwise ...`), with --format json."""
    args = shlex.split(command)
    assert args[0] == "funnelwise"
    result = CliRunner().invoke(cli, [*args[1:], "--format", "json",
                                      "--workspace", str(workspace)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def roundtrip(value: object) -> object:
    return json.loads(json.dumps(value, default=str))


def won_between(workspace: Path, start: str, months: int) -> float:
    """Revenue won in [start, start + months), in plain SQL over the workspace file."""
    end = add_months(dt.date.fromisoformat(start), months).isoformat()
    with duckdb.connect(str(workspace), read_only=True) as con:
        row = con.execute("SELECT coalesce(sum(amount), 0) FROM opportunities WHERE "
                          "status = 'won' AND closed_at >= ? AND closed_at < ?",
                          [start, end]).fetchone()
    assert row is not None
    return float(row[0])


def test_whole_org_forecasts_the_default_quarter_from_the_latest_data(whole):
    """As of 2026-01-26, 65 of 2026-Q1's 90 days remain: the page forecasts 2026-Q1."""
    assert whole["as_of"] == "2026-01-26"
    assert whole["period"] == {"label": "2026-Q1", "start": "2026-01-01",
                               "end": "2026-03-31", "weeks": 90 / 7, "unit": "quarter"}
    assert (whole["horizon"], whole["origins_asked"]) == ("1q", 4)
    assert whole["origins"] == ["2025-07-26", "2025-10-26"], "earlier ones precede the data"
    assert [r["method"] for r in whole["forecast"]] == METHODS
    for r in whole["forecast"]:
        assert r["period"] == "2026-Q1" and r["as_of"] == "2026-01-26"
        assert 0 < r["p10"] <= r["p50"] <= r["p90"]
    assert [r["method"] for r in whole["backtest"]["backtest"]] == METHODS
    assert whole["draws"] == {"forecast": 4000, "backtest": 500}


def test_backtest_actuals_are_the_revenue_won_in_each_period(whole, sim_path):
    rows = whole["backtest"]["backtest_origins"]
    actual = {r["origin"]: r["actual"] for r in rows}
    assert actual == {"2025-07-26": 1_336_900.0, "2025-10-26": 2_864_450.0}
    for origin, value in actual.items():
        assert value == won_between(sim_path, origin, 3)
    for r in rows:
        assert r["covered"] == (r["p10"] <= r["actual"] <= r["p90"])
    scores = {r["method"]: r for r in whole["backtest"]["backtest"]}
    mine = [r for r in rows if r["method"] == "funnelwise"]
    wape = sum(abs(r["p50"] - r["actual"]) for r in mine) / sum(actual.values())
    assert scores["funnelwise"]["wape"] == pytest.approx(wape)
    assert scores["funnelwise"]["coverage"] == 0.5


def test_json_twin_equals_the_cli_commands_the_page_prints(whole, sim_path):
    assert whole["commands"] == {
        "forecast": "funnelwise forecast --period 2026-Q1 --method all --as-of 2026-01-26",
        "backtest": "funnelwise backtest --from 2025-07-26 --to 2025-10-26 --horizon 1q "
                    "--method all --draws 500",
    }
    assert whole["forecast"] == cli_json(sim_path, whole["commands"]["forecast"])
    assert whole["forecast"] == cli_json(
        sim_path, "funnelwise forecast --method all"), "period and as-of: the CLI's defaults"
    assert whole["backtest"] == cli_json(sim_path, whole["commands"]["backtest"])


def test_verdict_names_the_closest_method_and_the_coverage(whole):
    scores = {r["method"]: r for r in whole["backtest"]["backtest"]}
    best = min(scores.values(), key=lambda r: r["wape"])
    assert whole["verdict"].startswith(f"{best['method_label']} came closest over 2 origins")
    assert "Funnelwise model 1 of 2" in whole["verdict"]
    assert "thin evidence" in whole["verdict"]


def test_until_sets_the_as_of_day_and_since_is_not_used(sim, sim_path):
    body = sim.json("/api/forecast?until=2025-12-31")
    assert body["as_of"] == "2026-01-01" and body["period"]["label"] == "2026-Q1"
    assert body["origins"] == ["2025-10-01"]
    assert body["forecast"] == cli_json(sim_path, body["commands"]["forecast"])
    assert body["backtest"] == cli_json(sim_path, body["commands"]["backtest"])
    assert body["backtest"]["backtest_origins"][0]["actual"] == won_between(
        sim_path, "2025-10-01", 3)
    also = sim.json("/api/forecast?until=2025-12-31&since=2025-11-01")
    assert {k: v for k, v in also.items() if k != "filters"} == \
        {k: v for k, v in body.items() if k != "filters"}


@pytest.mark.parametrize("scope", [Scope(team="Team Anderson"), Scope(manager="Marco Garcia")])
def test_scope_changes_the_figures_and_equals_the_core_over_the_scope(sim, sim_path, whole,
                                                                      scope):
    query = "&".join(f"{k}={v}" for k, v in (("manager", scope.manager),
                                              ("team", scope.team)) if v)
    body = sim.json(f"/api/forecast?{query}")
    assert body["whole_org"] is False and body["scope"] == scope.describe()
    assert (body["as_of"], body["origins"]) == (whole["as_of"], whole["origins"])
    ours, everyone = body["forecast"][0], whole["forecast"][0]
    assert 0 < ours["p50"] < everyone["p50"] and ours["open_deals"] < everyone["open_deals"]
    actual = {r["origin"]: r["actual"] for r in body["backtest"]["backtest_origins"]}
    assert all(0 < actual[o] < won_between(sim_path, o, 3) for o in body["origins"])
    with Workspace(sim_path, read_only=True) as ws:
        crm = restrict(ws.crm(), scope)
        expected = forecast_result(crm, period=parse_period(body["period"]["label"]),
                                   as_of=dt.date.fromisoformat(body["as_of"]),
                                   methods=method_names("all"))
        backtest = run_backtest(crm, methods=method_names("all"), horizon=parse_horizon("1q"),
                                origins=[dt.date.fromisoformat(o) for o in body["origins"]],
                                draws=500)
    assert body["forecast"] == roundtrip(expected.records())
    assert body["backtest"] == roundtrip(results_doc(backtest_results(backtest)))


def test_page_draws_its_charts_and_prints_the_commands(sim):
    response = sim.get("/forecast?team=Team+Anderson")
    assert response.status_code == 200
    html = response.text
    assert html.count('class="plotly-graph-div"') == 4
    assert 'id="next_period"' in html and 'id="backtest"' in html
    assert 'id="commit_calls"' in html and 'id="call_record"' in html
    assert "funnelwise backtest --from 2025-07-26 --to 2025-10-26 --horizon 1q" in html
    assert "the page shows team Team Anderson" in html
    assert 'href="/api/forecast?team=Team+Anderson"' in html


def test_short_history_shows_the_forecast_and_says_why_the_backtest_is_thin(client, org_path):
    body = client.json("/api/forecast")
    assert body["as_of"] == "2026-04-11" and body["period"]["label"] == "2026-Q2"
    assert body["origins"] == ["2026-01-11"]
    assert body["forecast"] == cli_json(org_path, body["commands"]["forecast"])
    assert body["backtest"] == cli_json(org_path, body["commands"]["backtest"])
    assert body["verdict"].startswith(
        "Stage-weighted pipeline came closest over 1 origin with a WAPE of 85.2%; Funnelwise "
        "model was second at 100.0%.")
    assert "too few to judge the intervals" in body["verdict"]
    html = client.get("/forecast").text
    assert html.count('class="plotly-graph-div"') == 4  # with the calls' two


def test_horizon_and_origins_choose_the_period_and_the_origins(org_path):
    with Workspace(org_path, read_only=True) as ws:
        data = roundtrip(forecast.build(make_context(ws.crm(), Filters()), horizon="1m",
                                        origins="3"))
    # as of 2026-04-11, 20 of April's 30 days remain
    assert data["period"] == {"label": "2026-04", "start": "2026-04-01", "end": "2026-04-30",
                              "weeks": 30 / 7, "unit": "month"}
    assert data["origins"] == ["2026-01-11", "2026-02-11", "2026-03-11"]
    assert data["forecast"] == cli_json(org_path, data["commands"]["forecast"])
    assert data["backtest"] == cli_json(org_path, data["commands"]["backtest"])
    assert data["backtest"]["backtest"][0]["actual"] == 468_500.0
    assert data["verdict"].startswith("Funnelwise model came closest over 3 origins")


@pytest.mark.parametrize(("as_of", "quarter", "year"), [
    (dt.date(2026, 4, 11), "2026-Q2", "2026"), (dt.date(2026, 4, 1), "2026-Q2", "2026"),
    (dt.date(2026, 6, 10), "2026-Q3", "2026"), (dt.date(2026, 9, 15), "2026-Q4", "2027"),
    (dt.date(2026, 12, 31), "2027-Q1", "2027"), (dt.date(2026, 1, 1), "2026-Q1", "2026"),
])
def test_the_page_forecasts_the_default_period_of_its_as_of_day(as_of, quarter, year):
    """The quarter (year) of the as-of day while a third of it remains, else the next."""
    assert forecast.next_period(as_of, parse_horizon("1q")).label == quarter
    assert forecast.next_period(as_of, parse_horizon("1y")).label == year


@pytest.mark.parametrize(("params", "fragment"), [
    ({"horizon": "2x"}, "horizon '2x' is not a number of months"),
    ({"horizon": "2q"}, "horizon '2q' is not one month, quarter or year"),
    ({"origins": "0"}, "origins='0' is not a whole number from 1 to 12"),
    ({"origins": "many"}, "origins='many' is not a whole number"),
])
def test_bad_horizon_or_origins_is_a_user_error(org_path, params, fragment):
    with Workspace(org_path, read_only=True) as ws, pytest.raises(UserError, match=fragment):
        forecast.build(make_context(ws.crm(), Filters()), **params)


def test_bad_horizon_is_a_400_as_json_and_as_an_html_page(client):
    body = client.json("/api/forecast?horizon=2x", 400)
    assert set(body) == ERROR_KEYS and body["status"] == 400
    assert "horizon '2x' is not a number of months" in body["error"]
    response = client.get("/forecast?horizon=2x")
    assert response.status_code == 400
    assert "horizon &#39;2x&#39; is not a number of months" in response.text


def test_bad_filter_on_the_forecast_page_is_a_400_as_json_and_as_html(client):
    body = client.json("/api/forecast?team=Nort", 400)
    assert set(body) == ERROR_KEYS and "did you mean 'North'?" in body["error"]
    response = client.get("/forecast?until=2026-13-01")
    assert response.status_code == 400 and response.headers["content-type"].startswith(
        "text/html")
    assert "is not a date" in response.text


def test_verdict_is_honest_when_funnelwise_is_not_the_best():
    rows = [
        {"method": "funnelwise", "origins": 6, "wape": 0.24, "coverage": 0.5},
        {"method": "stage_weighted", "origins": 6, "wape": 0.22, "coverage": 0.8333},
        {"method": "run_rate", "origins": 6, "wape": 0.47, "coverage": 0.0},
    ]
    assert backtest_verdict(rows) == (
        "stage_weighted came closest over 6 origins with a WAPE of 22.0%; funnelwise was "
        "second at 24.0%. Origins where the P10–P90 interval held the actual: funnelwise 3 "
        "of 6, stage_weighted 5 of 6, run_rate 0 of 6. funnelwise's intervals held less "
        "often than the 80% an honest interval would: read its range as too narrow.")
