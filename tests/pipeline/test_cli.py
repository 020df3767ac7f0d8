"""`funnelwise coverage` and `funnelwise review`: exit codes, JSON fields and what users read."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_coverage_json_rows(coverage_path):
    result = run("coverage", "-w", str(coverage_path), "--period", "2026-Q3", "--as-of",
                 "2026-07-01", "--prior-strength", "0", "--blanket", "3", "-f", "json")
    assert result.exit_code == 0, result.output
    rows = {r["rep"]: r for r in json.loads(result.stdout)}
    for key in ("rep", "remaining_target", "open_pipeline", "coverage", "required_coverage",
                "gap", "projected_attainment", "status"):
        assert key in rows["lo"]
    assert (rows["lo"]["status"], rows["hi"]["status"]) == ("under-covered", "inflated")
    assert rows["lo"]["blanket_misjudges"] is True


def test_coverage_table_says_why(coverage_path):
    result = run("coverage", "-w", str(coverage_path), "--period", "2026-Q3", "--as-of",
                 "2026-07-01", "--prior-strength", "0")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())  # lines wrap at the terminal's width
    assert "Hana High (hi) inflated: 6.0x against 2.0x needed" in said
    assert "Lou Low (lo) under-covered: needs 5.0x at a value win rate of 20.0%, has 3.0x" in said


def test_coverage_defaults_to_the_quarter_of_the_review_date(coverage_path):
    result = run("coverage", "-w", str(coverage_path), "--as-of", "2026-08-01", "-f", "json")
    assert result.exit_code == 0, result.output
    assert {r["rep"] for r in json.loads(result.stdout)} == {"lo", "hi"}


def test_review_json(coverage_path):
    result = run("review", "-w", str(coverage_path), "--as-of", "2026-07-01", "-f", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    deal = next(d for d in payload["opportunities"] if d["opportunity_id"] == "hi2")
    assert {"opportunity_id", "rep", "stage", "amount", "flags"} <= set(deal)
    rules = {f["rule"]: f for f in deal["flags"]}
    assert rules["close_date_pushed"]["evidence"] == (
        "expected close pushed 2 times: first forecast 2026-04-30, now 2026-07-20 (+81 days)")
    assert rules["no_customer_activity"]["disqualifying"] is True
    total = next(t for t in payload["totals"] if t["level"] == "all")
    # out: hi2, hi3, hi4 (no activity, 3 x 1,500) and `later` (9,000 is 9x the average win)
    assert (total["raw_value"], total["qualified_value"]) == (18000, 18000 - 4500 - 9000)
    assert 0 < total["realistic_value"] < total["raw_value"]
    assert payload["qualify_out"][0]["opportunity_id"] == "later"


def test_review_table_for_one_rep(coverage_path):
    result = run("review", "-w", str(coverage_path), "--as-of", "2026-07-01", "--rep", "lo")
    assert result.exit_code == 0, result.output
    assert "lo1" in result.stdout and "hi1" not in result.stdout
    assert "Qualify out: 0 deals" in result.stdout
    # one rep's review names them once, above the table, and says how to see every deal
    first = run("review", "-w", str(coverage_path), "--as-of", "2026-07-01", "--rep", "lo",
                "--limit", "1").stdout
    flat = " ".join(first.split())
    assert ("Open deals of Lou Low (lo) as of 2026-07-01, largest first "
            "(1 of 3;") in flat
    assert "2 smaller deals not shown: --limit 0 shows every one" in flat
    earlier = " ".join(run("review", "-w", str(coverage_path), "--as-of", "2026-06-20",
                           "--rep", "lo").stdout.split())
    assert "Open deals of Lou Low (lo) as of 2026-06-20 (from history), largest first" in earlier
    assert "Rep" not in first.split("Pipeline value")[0]
    every = run("review", "-w", str(coverage_path), "--as-of", "2026-07-01", "--rep", "lo",
                "--limit", "0").stdout
    assert "(3 of 3;" in " ".join(every.split()) and "not shown" not in every


def test_unknown_rep_is_a_user_error(coverage_path):
    result = run("review", "-w", str(coverage_path), "--rep", "low")
    assert result.exit_code == 2
    assert "did you mean 'lo'?" in result.stderr


def test_review_explain_prints_the_sql(coverage_path):
    result = run("review", "-w", str(coverage_path), "--explain")
    assert result.exit_code == 0, result.output
    assert "-- no_customer_activity" in result.stdout and "SELECT" in result.stdout


def test_the_sql_is_compiled_only_for_explain(coverage_path, monkeypatch):
    """Compiling every query of a review takes seconds: the table and JSON views never do it,
    --explain does."""
    from funnelwise.metrics import result as metric_result
    from funnelwise.pipeline.review import Review

    compiled: list[str] = []
    real = Review.sql
    monkeypatch.setattr(Review, "sql", lambda self: compiled.append("review") or real(self))
    real_of = metric_result.sql_of
    monkeypatch.setattr(metric_result, "sql_of", lambda e: compiled.append("metric")
                        or real_of(e))
    for args in ((), ("-f", "json"), ("-f", "csv")):
        assert run("review", "-w", str(coverage_path), *args).exit_code == 0
        assert run("coverage", "-w", str(coverage_path), *args).exit_code == 0
    assert compiled == []
    assert run("review", "-w", str(coverage_path), "--explain").exit_code == 0
    assert "review" in compiled


@pytest.mark.parametrize("command", ["review", "winrates", "forecast", "repeatability"])
def test_the_explained_sql_is_the_same_on_every_run(coverage_path, command):
    """--explain prints the same text whatever the interpreter's hash seed (column lists
    dropped by set, in-memory tables' generated names)."""
    texts = set()
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", "from funnelwise.cli.main import run; run()", command,
             "-w", str(coverage_path), "--explain"],
            capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": seed},
            check=True)
        texts.add(done.stdout)
    assert len(texts) == 1 and "SELECT" in texts.pop()


def test_calibration_on_the_simulated_org(simulated):
    result = run("review", "-w", str(simulated.path), "--calibration", "--dates", "2",
                 "--every", "60", "-f", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["brier"] < payload["baseline_brier"]
    assert len(payload["dates"]) == 2 and payload["reliability"]
