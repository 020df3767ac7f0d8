"""`funnelwise plan` and `funnelwise project` from explicit numbers: what a user sees."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app

runner = CliRunner()
DESIGN = ["--quota", "1200000", "--deal-size", "100000", "--win-rate", "0.25",
          "--step", "conversation=0.125", "--weeks", "48"]
SEED = ["--quota", "2400000", "--deal-size", "100000", "--win-rate", "0.25",
        "--step", "outreach=0.10", "--step", "conversation=0.24", "--step", "meeting=0.5",
        "--weeks", "48", "--volume", "outreach=100", "--volume", "conversation=10",
        "--volume", "meeting=4", "--volume", "qualified=2"]


def invoke(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_plan_json_gives_12_wins_48_opportunities_384_conversations_8_a_week():
    (row,) = invoke("plan", *DESIGN)["rows"]
    assert (row["wins_needed"], row["opportunities_needed"]) == (12, 48)
    conversation = row["steps"][0]
    assert conversation["step"] == "conversation" and conversation["rate"] == 0.125
    assert (conversation["total_needed"], conversation["per_week"]) == (384, 8)
    assert {"rep", "period", "quota", "deal_size", "win_rate", "steps"} <= set(row)
    assert {"step", "rate", "total_needed", "per_week", "start_week"} <= set(conversation)


def test_plan_table_shows_the_weekly_numbers():
    result = runner.invoke(app, ["plan", *DESIGN], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "conversation" in line)
    assert row.split()[2:5] == ["12.5%", "8", "384"]  # rate, per week, total


def test_what_if_rows_follow_the_base_rows():
    rows = invoke("plan", *DESIGN, "--what-if", "conversation=0.25")["rows"]
    assert [r["scenario"] for r in rows] == ["base", "what-if: conversation=0.25"]
    assert rows[1]["steps"][0]["total_needed"] == 192  # 48 / 0.25


def test_project_json_reports_the_seed_audit():
    (row,) = invoke("project", *SEED, "--no-outcome-noise")["rows"]
    assert row["attainment"] == pytest.approx(0.60)
    assert row["expected_revenue"] == pytest.approx(1_440_000)
    assert row["binding_step"] == "conversation"
    assert row["rate_needed"] == pytest.approx(0.40)
    assert row["start_volume_needed"] == pytest.approx(500 / 3)
    assert {"p10", "p50", "p90", "prob_target"} <= set(row)


def test_project_table_names_the_binding_step():
    result = runner.invoke(app, ["project", *SEED], env={"COLUMNS": "220"})
    assert result.exit_code == 0, result.output
    row = next(line for line in result.stdout.splitlines() if "conversation" in line)
    assert "60.0%" in row.split()  # attainment
    assert "24.0% → 40.0%" in row  # the binding rate now, and what reaches target


@pytest.mark.parametrize(("args", "message"), [
    (["--quota", "1", "--win-rate", "0.2", "--weeks", "4"], "also needs --deal-size"),
    (["--quota", "1", "--deal-size", "1", "--win-rate", "0.2"], "--weeks 48"),
    (["--quota", "1", "--deal-size", "1", "--win-rate", "0.2", "--weeks", "4", "--step",
      "conversation"], "expected NAME=NUMBER"),
    (["--quota", "1", "--deal-size", "1", "--win-rate", "25", "--weeks", "4"],
     "--win-rate 25 is outside 0.0% to 100.0% (give 15% or 0.15)"),
    (["--quota", "1", "--deal-size", "1", "--win-rate", "0.2", "--weeks", "4", "--step",
      "conversation=1.5"], "between 0 and 1"),
    (["--quota", "1", "--deal-size", "1", "--win-rate", "0.2", "--weeks", "4", "--what-if",
      "qualifed=0.3"], "did you mean 'qualified'"),
])
def test_user_errors_exit_2_with_a_fix(args, message):
    result = runner.invoke(app, ["plan", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_plan_csv_has_one_row_per_step():
    result = runner.invoke(app, ["plan", *DESIGN, "--format", "csv"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 4 and "total_needed" in lines[0]
