"""Plans from the workspace: the tiny fixture plus quotas, checked by hand, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.plan import parse_period
from funnelwise.plan.estimate import Options
from funnelwise.plan.groups import load_groups
from tests.conftest import TINY

runner = CliRunner()
QUOTAS = """rep_id,period_start,period_end,amount
ana,2026-01-01,2026-03-31,700
ben,2026-01-01,2026-06-30,1810
cy,2025-10-01,2025-12-31,900
"""


@pytest.fixture(scope="module")
def ws_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp_path = tmp_path_factory.mktemp("tiny")
    data = tmp_path / "data"
    shutil.copytree(TINY, data)
    (data / "quotas.csv").write_text(QUOTAS)
    path = tmp_path / "tiny.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [data], presets.get("canonical"))
    return path


def plan_json(ws_path: Path, *args: str) -> dict:
    result = runner.invoke(app, ["plan", "--workspace", str(ws_path), "--format", "json",
                                 *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_quotas_are_prorated_and_reps_without_one_left_out(ws_path):
    with Workspace(ws_path) as ws:
        g = load_groups(ws.crm(), parse_period("2026-Q1"), Options(min_deals=0))
    targets = {f.key: t.quota for f, t in zip(g.funnels, g.targets, strict=True)}
    # ben's half-year quota: 90 of its 181 days fall in Q1; cy has no Q1 quota
    assert targets == {"ana": 700, "ben": pytest.approx(1810 * 90 / 181)}
    assert g.team_target.quota == pytest.approx(700 + 900)


def test_ana_planned_from_her_own_raw_rates(ws_path):
    """ana: 10 touches -> 3 conversations -> 1 meeting -> 4 opportunities (more than her
    meetings: the rate is capped at 1) -> won 3 of 4 closed. Deals 100, 200, 50: S = 116.67.
    Quota 700: 6 wins, 8 opportunities, 8 meetings, 24 conversations, 80 touches."""
    rows = plan_json(ws_path, "--period", "2026-Q1", "--rates", "raw", "--min-deals", "0")
    ana = next(r for r in rows["rows"] if r["rep"] == "ana")
    assert ana["rates_from"] == "own"
    assert ana["deal_size"] == pytest.approx(350 / 3)
    assert ana["wins_needed"] == pytest.approx(6)
    assert ana["opportunities_needed"] == pytest.approx(8)
    totals = [s["total_needed"] for s in ana["steps"]]
    assert totals == pytest.approx([80, 24, 8, 8, 6])
    assert ana["steps"][0]["per_week"] == pytest.approx(80 / (90 / 7))
    # won deals took 30, 60 and 10 days: median 30, so opportunities from 2025-12-02
    assert ana["cycle_days"] == pytest.approx(30)
    assert ana["steps"][3]["start_week"] == "2025-12-01"


def test_a_rep_with_too_little_history_gets_the_team_figures(ws_path):
    rows = plan_json(ws_path, "--period", "2026-Q1", "--rates", "raw")
    by_rep = {r["rep"]: r for r in rows["rows"]}
    ben = by_rep["ben"]
    assert ben["rates_from"] == "team" and ben["parent"] == "North"
    assert "fewer than 10" in ben["note"] or "no data" in ben["note"]
    # North: won 100, 200, 50 (ana) and 400 (ben): S = 187.5; won 4 of 6 closed
    assert ben["deal_size"] == pytest.approx(187.5)
    assert ben["win_rate"] == pytest.approx(4 / 6)
    assert any(n.startswith("ben:") and "North's figures used" in n for n in rows["notes"])
    assert rows["rollup"]["reps"] == 2


def test_table_output_names_the_fallback_and_rolls_up(ws_path):
    result = runner.invoke(app, ["plan", "--workspace", str(ws_path), "--period", "2026-Q1"],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Plan for 2026-Q1" in result.stdout
    assert "Team roll-up: 2 plans summed" in result.stdout
    assert "North's figures used" in result.stdout


def test_no_quota_in_the_period_is_a_user_error(ws_path):
    result = runner.invoke(app, ["plan", "--workspace", str(ws_path), "--period", "2027"])
    assert result.exit_code == 2
    assert "no quota overlaps 2027" in result.output


def test_no_won_deals_in_the_window_is_a_user_error(ws_path):
    result = runner.invoke(app, ["plan", "--workspace", str(ws_path), "--period", "2026-Q1",
                                 "--since", "2027-01-01"])
    assert result.exit_code == 2
    assert "no won deals to plan from" in result.output


def test_explain_shows_the_queries(ws_path):
    result = runner.invoke(app, ["plan", "--workspace", str(ws_path), "--period", "2026-Q1",
                                 "--explain"])
    assert result.exit_code == 0, result.output
    assert "-- quotas" in result.stdout and "SELECT" in result.stdout


def test_project_from_the_workspace_with_a_csv_plan(ws_path, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text("rep,outreach,meeting\nana,100,\nben,50,2\n")
    result = runner.invoke(app, ["project", "--workspace", str(ws_path), "--period",
                                 "2026-Q1", "--volumes", str(plan), "--format", "json",
                                 "--draws", "2000", "--rates", "raw", "--min-deals", "0"])
    assert result.exit_code == 0, result.output
    rows = {r["rep"]: r for r in json.loads(result.stdout)["rows"]}
    ana = rows["ana"]
    # 100 touches x 0.3 x 1/3 x 1 x 0.75 = 7.5 wins a week, x 90/7 weeks x 116.67
    weeks = 90 / 7
    assert ana["expected_wins"] == pytest.approx(7.5 * weeks)
    assert ana["expected_revenue"] == pytest.approx(7.5 * weeks * 350 / 3)
    assert ana["attainment"] == pytest.approx(7.5 * weeks * 350 / 3 / 700)
    assert ana["p10"] <= ana["p50"] <= ana["p90"]
    # a quarter over by the data's today: all of it is the plan's flow, over every week
    assert (ana["won_already"], ana["open_expected"], ana["flow_weeks"]) == (0, 0, None)
    assert ana["flow_expected"] == pytest.approx(ana["expected_revenue"])
    assert set(rows) == {"ana", "ben"}


def test_a_bad_csv_cell_names_row_and_column(ws_path, tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text("rep,outreach\nana,lots\n")
    result = runner.invoke(app, ["project", "--workspace", str(ws_path), "--period",
                                 "2026-Q1", "--volumes", str(plan)])
    assert result.exit_code == 2
    assert "row 1, column outreach: 'lots' is not a number" in result.output


def test_period_dates_are_iso(ws_path):
    rows = plan_json(ws_path, "--period", "2026-Q1")
    start = rows["rows"][0]["steps"][0]["start_week"]
    assert dt.date.fromisoformat(start).weekday() == 0


def test_project_of_a_period_to_come_adds_the_pipeline(ws_path, tmp_path):
    """As of the data's today (2026-04-02), 2026-Q2 has begun: ben's revenue is what he has
    won in it (o6, 400, closed on 2026-04-01), his open deals' expected wins (he has none)
    and the flow of the weeks whose wins land in the quarter (the forecast model's timing):
    50 touches a week x his team's (North's) rates 0.3 x 1/3 x 1 x 2/3 x North's average won
    deal (100 + 200 + 50 + 400) / 4 = 187.5. The quarter of the earlier test was over by
    then: its figures are the plan's arithmetic alone."""
    plan = tmp_path / "plan.csv"
    plan.write_text("rep,outreach\nben,50\n")
    result = runner.invoke(app, ["project", "--workspace", str(ws_path), "--period",
                                 "2026-Q2", "--volumes", str(plan), "--format", "json",
                                 "--draws", "2000", "--rates", "raw"])
    assert result.exit_code == 0, result.output
    (ben,) = json.loads(result.stdout)["rows"]
    with Workspace(ws_path) as ws:
        groups = load_groups(ws.crm(), parse_period("2026-Q2"),
                             Options(rates="raw", forward=True))
    pipe = {f.key: f for f in groups.funnels}["ben"].pipeline
    assert pipe is not None and 0 < pipe.flow_weeks < 13
    assert (pipe.won, len(pipe.amounts)) == (400, 0)
    flow = 50 * 0.3 / 3 * 1 * (2 / 3) * pipe.flow_weeks * 187.5
    assert ben["expected_revenue"] == pytest.approx(400 + flow)
    # the JSON says where the revenue comes from, as the sentence above does
    assert (ben["won_already"], ben["open_expected"]) == (400, 0)
    assert ben["flow_expected"] == pytest.approx(flow)
    assert ben["flow_weeks"] == pytest.approx(pipe.flow_weeks)


def test_the_plan_marks_the_weeks_already_past(ws_path):
    """As of the data's today (2026-04-02), ben's 2026-Q2 plan asks for outreach from the week
    of 2026-01-26 to that of 2026-04-27 (a step's weeks begin its lead time before the
    quarter), the slowest deals' from 2025-12-22: every step's weeks had begun by then and
    every "Start by" day is past. The title says the day and a note says what it means."""
    result = runner.invoke(app, ["plan", "--workspace", str(ws_path), "--period", "2026-Q2"],
                           env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Plan for 2026-Q2 as of 2026-04-02:" in text
    outreach = next(line for line in text.splitlines() if "outreach" in line)
    assert "2026-01-26–04-27 (begun)" in outreach and "2025-12-22 (past)" in outreach
    table = text.split("1 of 1 plans")[0]
    assert table.count("(begun)") == 5 and table.count("(past)") == 5
    flat = " ".join(text.split())
    assert ("1 of 1 plans ask for activity before the data's today (2026-04-02), marked "
            "(past) or (begun): what those days brought is already in the pipeline; "
            "`funnelwise project` audits 2026-Q2 with it (`--period 2026-Q3` plans the next "
            "one)") in flat
    # 2026-Q1 was over by then: each of its plans' five steps had ended (the won step's last
    # day is 2026-03-31, in the week of 2026-03-30 that the table shows), and no pipeline
    # is offered for a quarter that is over
    n = len(plan_json(ws_path, "--period", "2026-Q1")["rows"])
    text = runner.invoke(app, ["plan", "--workspace", str(ws_path), "--period", "2026-Q1"],
                         env={"COLUMNS": "220"}).stdout
    over = text.split(f"{n} of {n} plans")[0]
    assert n == 2 and over.count("(past)") == 10 * n and "(begun)" not in over
    assert "2026-03-30–03-30 (past)" not in over and "2025-12-29–2026-03-30 (past)" in over
    flat = " ".join(text.split())
    assert ("2026-Q1 is over by then; `--period 2026-Q2` plans the next one" in flat
            and "funnelwise project" not in flat)
