"""Presets on hand-made exports with the vendors' own headers, checked by hand."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.metrics.winrates import winrates
from tests.conftest import HERE

runner = CliRunner()
HUBSPOT = HERE / "fixtures" / "hubspot"


def test_hubspot_deals_export(tmp_path):
    with Workspace(tmp_path / "hs.duckdb") as ws:
        result = run_import(ws, [HUBSPOT], presets.get("hubspot"))
        assert result.after["opportunities"] == 7
        assert result.after["reps"] == 2  # the distinct deal owners
        rows = ws.con.execute(
            "SELECT opportunity_id, stage, status, closed_at IS NOT NULL FROM opportunities "
            "ORDER BY 1").fetchall()
        by_rep = {r["key"]: r for r in winrates(ws.crm(), by="rep").records()}
    # internal stage ids map to the pipeline's labels; closed deals get a close date
    assert rows[1] == ("9002", "Closed Lost", "lost", True)
    assert rows[2] == ("9003", "Contract Sent", "open", False)
    assert rows[4] == ("9005", "Qualified To Buy", "open", False)
    # Dana: won 9001 (12k), lost 9002 (8k); Eli: won 9004 (5k), lost 9006 + 9007 (7k)
    assert (by_rep["Dana Reyes"]["won"], by_rep["Dana Reyes"]["lost"]) == (1, 1)
    assert by_rep["Dana Reyes"]["value_win_rate"] == pytest.approx(12 / 20)
    assert by_rep["Eli Novak"]["win_rate"] == pytest.approx(1 / 3)
    assert by_rep["Eli Novak"]["value_win_rate"] == pytest.approx(5 / 12)


def test_explain_shows_sql_and_filters(tiny_ws):
    tiny_ws.close()
    result = runner.invoke(app, ["winrates", "--workspace", str(tiny_ws.path), "--by", "team",
                                 "--since", "2026-02-01", "--explain"])
    assert result.exit_code == 0, result.output
    assert "--   by: team" in result.stdout
    assert "--   since: 2026-02-01" in result.stdout
    assert "SELECT" in result.stdout and "opportunities" in result.stdout


def test_table_output_reads_as_percentages_and_money(tiny_ws):
    tiny_ws.close()
    result = runner.invoke(app, ["winrates", "--workspace", str(tiny_ws.path)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    ana = next(line for line in result.stdout.splitlines() if "ana" in line)
    assert "75.0%" in ana and "53.8%" in ana  # raw win rate; value win rate 350 / 650
    assert "prior strength m (learnt from all groups, in deals)" in result.stdout


def test_funnel_json_rows_carry_the_documented_fields(tiny_ws):
    tiny_ws.close()
    result = runner.invoke(app, ["funnel", "--workspace", str(tiny_ws.path), "--by", "all",
                                 "--format", "json"])
    rows = json.loads(result.stdout)
    assert [r["step"] for r in rows] == ["outreach", "conversation", "meeting", "qualified",
                                         "won"]
    assert set(rows[0]) >= {"key", "step", "count", "next_step", "rate", "rate_est", "rate_lo",
                            "rate_hi", "method"}


def test_unknown_by_is_a_user_error(tiny_ws):
    tiny_ws.close()
    result = runner.invoke(app, ["winrates", "--workspace", str(tiny_ws.path), "--by", "teams"])
    assert result.exit_code == 2
    assert "did you mean 'team'?" in result.stderr


def test_hubspot_forecast_categories_read_in_the_canonical_words(tmp_path):
    """The deals export with HubSpot's "Forecast category" labels, derived in the test."""
    import csv
    import shutil

    folder = tmp_path / "hs"
    shutil.copytree(HUBSPOT, folder)
    (deals,) = folder.glob("*deals*.csv")
    with deals.open(newline="") as f:
        rows = list(csv.DictReader(f))
    # labels as the export writes them, and one internal value (OMIT)
    words = ["Closed won", "OMIT", "Commit", "Closed won", "Most likely", "Not forecasted",
             "Best case"]
    with deals.open("w", newline="") as f:
        out = csv.DictWriter(f, [*rows[0], "Forecast category"])
        out.writeheader()
        out.writerows({**r, "Forecast category": w} for r, w in zip(rows, words, strict=True))
    with Workspace(tmp_path / "hs.duckdb") as ws:
        run_import(ws, [folder], presets.get("hubspot"))
        got = dict(ws.con.execute("SELECT opportunity_id, forecast_category FROM opportunities"
                                  ).fetchall())
    assert [got[r["Record ID"]] for r in rows] == [
        "closed", "omitted", "commit", "closed", "best_case", "omitted", "best_case"]
