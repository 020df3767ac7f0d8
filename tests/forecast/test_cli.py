"""`funnelwise forecast` and `funnelwise backtest`: what a user sees."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.web.charts.forecast import backtest_figure
from tests.conftest import MAVEN, TINY, needs

runner = CliRunner()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    """The tiny fixture imported through the CLI (no connection left open)."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.duckdb"
    assert runner.invoke(app, ["import", "--workspace", str(path), str(TINY)]).exit_code == 0
    return str(path)


def run(*args: str, **env: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", **env})


def test_forecast_json_per_method(tiny):
    """The stage-weighted figure of tests/forecast/test_forecasters.py, through the CLI."""
    result = run("forecast", "--workspace", tiny, "--period", "2026-Q1",
                 "--as-of", "2026-02-15", "--method", "all", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = {r["method"]: r for r in json.loads(result.stdout)}
    assert list(rows) == ["funnelwise", "stage_weighted", "run_rate"]
    assert rows["stage_weighted"]["expected"] == pytest.approx(150 + 1580 * 5 / 6)
    assert rows["run_rate"]["expected"] == 300
    assert {r["as_of"] for r in rows.values()} == {"2026-02-15"}
    assert all(r["p10"] <= r["p50"] <= r["p90"] for r in rows.values())


def test_forecast_table_and_explain(tiny):
    result = run("forecast", "--workspace", tiny, "--period", "2026-Q1",
                 "--as-of", "2026-02-15", "--by", "rep", "--method", "stage_weighted")
    assert result.exit_code == 0, result.output
    assert "Forecast of won revenue" in result.stdout and "ana" in result.stdout
    explained = run("forecast", "--workspace", tiny, "--period", "2026-Q1",
                    "--method", "run_rate", "--explain")
    assert explained.exit_code == 0 and "as_of: 2026-04-02" in explained.stdout
    assert "SELECT" in explained.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--period", "2026-Q5"], "not a quarter, month, year or week"),
    (["--period", "2026-Q1", "--method", "stage-weighted"], "did you mean 'stage_weighted'"),
    (["--period", "2026-Q1", "--by", "regions"], "did you mean 'region'"),
])
def test_forecast_user_errors(tiny, args, message):
    result = run("forecast", "--workspace", tiny, *args)
    assert result.exit_code == 2
    assert message in result.output


@needs(MAVEN)
def test_backtest_on_maven_prints_both_tables(maven_path):
    result = run("backtest", "--workspace", str(maven_path), "--method", "all",
                 "--from", "2017-07-01", "--to", "2017-10-01", "--horizon", "1q",
                 "--draws", "200")
    assert result.exit_code == 0, result.output
    assert "Backtest: accuracy per method" in result.stdout
    assert "Backtest: forecast and actual per origin" in result.stdout
    for method in ("Funnelwise model", "Stage-weighted pipeline", "Run rate"):  # labels
        assert method in result.stdout


@needs(MAVEN)
def test_backtest_json_and_bad_horizon(maven_path):
    result = run("backtest", "--workspace", str(maven_path), "--method", "run_rate",
                 "--from", "2017-07-01", "--to", "2017-10-01", "--format", "json",
                 "--draws", "200")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    (summary,) = doc["backtest"]
    assert summary["origins"] == 2 and summary["brier"] is None
    assert [r["origin"] for r in doc["backtest_origins"]] == ["2017-07-01", "2017-10-01"]
    bad = run("backtest", "--workspace", str(maven_path), "--from", "2017-01-01",
              "--to", "2017-10-01", "--horizon", "quarter")
    assert bad.exit_code == 2 and "expected e.g. 1q" in bad.output


def test_backtest_chart_has_the_actual_and_one_series_per_method():
    rows = [{"origin": "2017-07-01", "method": m, "actual": 10.0, "p10": 8.0, "p50": 9.0,
             "p90": 12.0} for m in ("funnelwise", "run_rate")]
    fig = backtest_figure(rows)
    assert [t.name for t in fig.data] == ["actual", "funnelwise", "run_rate"]
    band = fig.data[1].error_y
    assert (list(band.array), list(band.arrayminus)) == ([3.0], [1.0])
