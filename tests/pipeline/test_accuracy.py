"""The measured accuracy: one walk-forward backtest and one calibration, kept in the workspace
by the import, said the same by `accuracy`, `backtest`, `review --calibration` and `review`."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io.workspace import Workspace
from funnelwise.pipeline.accuracy import META_KEY, default_origins
from tests.conftest import MAVEN

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def maven(tmp_path_factory: pytest.TempPathFactory):
    """Maven imported by the command, which measures and keeps the accuracy."""
    path = tmp_path_factory.mktemp("acc") / "maven.duckdb"
    out = run("import", "--workspace", str(path), "--preset", "maven", str(MAVEN))
    return path, out


def test_the_origins_are_monthly_over_the_last_year_of_complete_quarters(maven):
    path, _ = maven
    with Workspace(path, read_only=True) as ws:
        days = default_origins(ws.crm())
    # Maven: records from 2016-10-20, so the first origin is the first month start a quarter
    # later (2017-01-20 -> 2017-02-01); today 2018-01-01, so the last quarter over starts
    # 2017-10-01
    assert days[0] == dt.date(2017, 2, 1) and days[-1] == dt.date(2017, 10, 1)
    assert len(days) == 9 and all(d.day == 1 for d in days)


def test_the_import_keeps_what_backtest_and_calibration_say(maven):
    path, printed = maven
    with Workspace(path, read_only=True) as ws:
        kept = json.loads(ws.kept().get(META_KEY) or "{}")
    backtest = json.loads(run("backtest", "--workspace", str(path), "--method", "funnelwise",
                              "--format", "json"))
    rows = backtest["backtest_origins"]
    held = sum(bool(r["covered"]) for r in rows)
    assert (kept["forecast"]["origins"], kept["forecast"]["held"]) == (len(rows), held) == (
        9, round(backtest["backtest"][0]["coverage"] * 9))
    assert kept["forecast"]["wape"] == pytest.approx(backtest["backtest"][0]["wape"])
    calibration = json.loads(run("review", "--workspace", str(path), "--calibration",
                                 "--format", "json"))
    assert kept["probabilities"]["brier"] == pytest.approx(calibration["brier"])
    assert kept["probabilities"]["team_rate_brier"] == pytest.approx(
        calibration["baseline_brier"])
    sentence = (f"held {held} of {len(rows)} quarterly forecasts")
    assert sentence in " ".join(printed.split())


def test_review_forecast_and_accuracy_say_it_the_same_in_table_and_json(maven):
    path, _ = maven
    acc = json.loads(run("accuracy", "--workspace", str(path), "--format", "json"))
    review = json.loads(run("review", "--workspace", str(path), "--format", "json"))
    assert review["accuracy"]["statement"] == acc["statement"]
    assert review["accuracy"]["forecast"] == acc["forecast"]
    for command in ("review", "forecast"):
        table = " ".join(run(command, "--workspace", str(path)).split())
        assert acc["statement"] in table, command
    assert sum(r["deals"] for r in acc["probabilities"]["reliability"]) == (
        acc["probabilities"]["resolved"])


def test_new_data_makes_the_kept_accuracy_stale_until_measured_again(maven, tmp_path):
    path, _ = maven
    copy = tmp_path / "copy.duckdb"
    shutil.copy(path, copy)
    with Workspace(copy) as ws:  # a later record moves the data's today
        ws.con.execute("UPDATE opportunities SET closed_at = TIMESTAMP '2018-02-01' "
                       "WHERE opportunity_id = (SELECT min(opportunity_id) FROM opportunities "
                       "WHERE status = 'won')")
    review = json.loads(run("review", "--workspace", str(copy), "--format", "json"))
    assert review["accuracy"] is None
    assert "not measured for this data" in " ".join(run("review", "--workspace",
                                                         str(copy)).split())
    again = json.loads(run("accuracy", "--workspace", str(copy), "--format", "json"))
    assert again["today"] == "2018-02-02"
    assert json.loads(run("review", "--workspace", str(copy), "--format", "json")
                      )["accuracy"]["today"] == "2018-02-02"


def test_the_dashboard_and_the_report_say_what_the_commands_say(maven, tmp_path):
    """The forecast page (and its JSON twin) shows the kept statement and the reliability
    chart; the pipeline twin's review carries the same `accuracy` as `review`'s JSON; the
    report holds the section."""
    from funnelwise.web.app import create_app
    from tests.web.conftest import Client

    path, _ = maven
    acc = json.loads(run("accuracy", "--workspace", str(path), "--format", "json"))
    review = json.loads(run("review", "--workspace", str(path), "--format", "json"))
    client = Client(create_app(path))
    page = client.json("/api/forecast")
    assert page["accuracy"]["statement"] == acc["statement"]
    assert page["accuracy"]["reliability"] == acc["probabilities"]["reliability"]
    assert client.json("/api/pipeline")["review"]["accuracy"] == review["accuracy"]
    html = " ".join(client.get("/forecast").text.split())
    assert acc["statement"] in html.replace("&#39;", "'")
    assert 'id="accuracy"' in html and "reliability" in html
    out = tmp_path / "report.html"
    run("report", "--workspace", str(path), "--out", str(out))
    assert acc["statement"] in " ".join(out.read_text().split()).replace("&#39;", "'")
