"""The effectiveness and coach commands on the demo workspace: exit codes and what users see."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from funnelwise.cli.main import app

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def test_effectiveness_table_fits_80_columns(demo_ws):
    out = run("effectiveness", "-w", str(demo_ws), "--by", "team", "--type", "email")
    assert "Yield (interval)" in out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    rows = json.loads(run("effectiveness", "-w", str(demo_ws), "--by", "team", "--type",
                          "email", "--format", "json"))
    assert {r["type"] for r in rows} == {"email"}
    assert sorted(r["rank"] for r in rows) == [1, 2, 3]
    assert all(r["yield_lo"] <= r["yield_est"] <= r["yield_hi"] for r in rows)


def test_compare_splits_the_change(demo_ws):
    data = json.loads(run("effectiveness", "-w", str(demo_ws), "--by", "all", "--compare",
                          "2025-Q4", "2026-Q2", "--format", "json"))
    steps = data["decomposition"]["rows"]
    assert [s["step"] for s in steps] == ["outreach", "conversation", "meeting", "qualified"]
    for s in steps:
        assert abs(s["volume_effect"] + s["yield_effect"] - s["change"]) < 1e-9
    assert data["decomposition"]["notes"][0].startswith("(all): qualified ")
    types = data["decomposition_types"]["rows"]
    assert {t["type"] for t in types} >= {"call", "email", "linkedin", "meeting"}
    table = run("effectiveness", "-w", str(demo_ws), "--by", "all", "--compare", "2025-Q4",
                "2026-Q2")
    assert max(len(line.rstrip()) for line in table.splitlines()) <= 80


def test_fewer_better_view(demo_ws):
    data = json.loads(run("effectiveness", "-w", str(demo_ws), "--fewer-better", "--format",
                          "json"))
    reps = data["fewer_better"]["rows"]
    assert len(reps) == 20
    median = sorted(r["volume"] for r in reps)[9:11]
    for r in reps:
        if r["fewer_better"]:
            assert r["outcomes"] >= r["target"] and r["volume"] < sum(median) / 2
    assert {t["type"] for t in data["fewer_better_types"]["rows"]} >= {"call", "email"}


def test_coach_json_ranks_flags_by_money(demo_ws):
    data = json.loads(run("coach", "-w", str(demo_ws), "--format", "json", "--manager",
                          "Harper Hall"))
    flags = data["flags"]
    assert data["week"] == "2026-06-22"
    assert flags and [f["rank"] for f in flags] == list(range(1, len(flags) + 1))
    money = [f["money"] for f in flags]
    assert money == sorted(money, reverse=True)
    assert all(f["evidence"] and f["questions"] for f in flags)
    assert data["settings"]["confidence"] == 0.97


def test_unknown_manager_and_bad_output_are_user_errors(demo_ws, tmp_path):
    result = runner.invoke(app, ["coach", "-w", str(demo_ws), "--manager", "Harper Hal"])
    assert result.exit_code == 2
    assert "did you mean 'Harper Hall'?" in result.output
    result = runner.invoke(app, ["brief", "-w", str(demo_ws), "--out",
                                 str(tmp_path / "brief.txt")])
    assert result.exit_code == 2
    assert ".md" in result.output and ".html" in result.output
