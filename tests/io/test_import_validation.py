"""Bad input: every problem reported with file, row, column and value; nothing half-written."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.errors import ValidationError
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from tests.conftest import TINY

runner = CliRunner()
HEADER = ["opportunity_id", "owner_rep_id", "created_at", "stage", "amount", "status", "closed_at"]


def write_opportunities(folder: Path, n: int = 100, **bad: tuple[int, str, str]) -> Path:
    """n valid rows; `bad` maps a label to (data row, column, value) to plant."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [[f"x{i:03d}", "ana", "2026-01-05", "Proposal", "1000", "open", ""]
            for i in range(1, n + 1)]
    for row_no, column, value in bad.values():
        rows[row_no - 1][HEADER.index(column)] = value
    path = folder / "opportunities.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


@pytest.fixture
def ws_path(tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    result = runner.invoke(app, ["import", "--workspace", str(path), str(TINY)])
    assert result.exit_code == 0, result.output
    return path


def counts(path: Path) -> dict[str, int]:
    with Workspace(path) as ws:
        return ws.counts()


def test_bad_date_and_unknown_stage_exit_2_and_write_nothing(ws_path, tmp_path):
    before = counts(ws_path)
    bad = write_opportunities(tmp_path / "bad", date=(57, "created_at", "2026-02-31"),
                              stage=(90, "stage", "Negotation"))
    result = runner.invoke(app, ["import", "--workspace", str(ws_path), str(bad)])
    assert result.exit_code == 2
    err = result.stderr
    assert "2 problem(s) found; nothing was imported" in err
    assert "1. opportunities.csv row 57, column created_at: '2026-02-31' is not a date" in err
    assert "2. opportunities.csv row 90, column stage: 'Negotation' is not a stage" in err
    assert "did you mean 'Negotiation'?" in err
    assert counts(ws_path) == before


def test_every_problem_is_collected_not_only_the_first(tmp_path):
    bad = write_opportunities(tmp_path / "bad", a=(3, "amount", "12k"), b=(4, "status", "wonn"),
                              c=(5, "opportunity_id", ""))
    (bad.parent / "reps.csv").write_text("rep_id,name\nana,Ana\n")
    with Workspace(tmp_path / "ws.duckdb") as ws, pytest.raises(ValidationError) as info:
        run_import(ws, [bad.parent], presets.get("canonical"))
    found = [(p.row, p.column, p.value) for p in info.value.problems]
    assert found == [(3, "amount", "12k"), (4, "status", "wonn"), (5, "opportunity_id", None)]
    assert "did you mean 'won'?" in info.value.render()


def test_skip_invalid_writes_bad_rows_and_imports_the_rest(ws_path, tmp_path):
    before = counts(ws_path)
    bad = write_opportunities(tmp_path / "bad", date=(57, "created_at", "2026-02-31"),
                              stage=(90, "stage", "Negotation"))
    rejects = tmp_path / "rejects.csv"
    result = runner.invoke(app, ["import", "--workspace", str(ws_path), "--skip-invalid",
                                 str(rejects), str(bad)])
    assert result.exit_code == 0, result.output
    assert counts(ws_path)["opportunities"] == before["opportunities"] + 98
    with rejects.open() as f:
        rejected = list(csv.DictReader(f))
    assert [(r["file"], r["row"]) for r in rejected] == [("opportunities.csv", "57"),
                                                         ("opportunities.csv", "90")]
    assert "created_at" in rejected[0]["problem"]


def test_reimport_changes_no_count_and_updates_in_place(ws_path):
    before = counts(ws_path)
    result = runner.invoke(app, ["import", "--workspace", str(ws_path), str(TINY)])
    assert result.exit_code == 0
    assert counts(ws_path) == before


def test_excel_saved_csv_with_bom_semicolons_and_crlf(tmp_path):
    folder = tmp_path / "excel"
    folder.mkdir()
    for name in ("reps.csv", "opportunities.csv"):
        text = (TINY / name).read_text().replace(",", ";").replace("\n", "\r\n")
        (folder / name).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    latin = "account_id;name\r\nacme;Caf\xe9 Ltd\r\n".encode("latin-1")
    (folder / "accounts.csv").write_bytes(latin)
    with Workspace(tmp_path / "ws.duckdb") as ws:
        result = run_import(ws, [folder], presets.get("canonical"))
        assert result.after["opportunities"] == 8 and result.after["reps"] == 3
        name = ws.con.execute("SELECT name FROM accounts").fetchall()[0][0]
    assert name == "Café Ltd"


def test_missing_required_column_names_the_header_it_looked_for(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "opportunities.csv").write_text("opportunity_id,owner,status\no1,ana,won\n")
    result = runner.invoke(app, ["import", "--workspace", str(tmp_path / "w.duckdb"), str(folder)])
    assert result.exit_code == 2
    assert "opportunities.csv, column owner_rep_id: column is missing" in result.stderr


def test_same_key_with_different_values_is_a_problem_exact_repeats_are_not(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "reps.csv").write_text("rep_id,name\nana,Ana\nana,Ana\nben,Ben\nben,Benjamin\n")
    (folder / "opportunities.csv").write_text("opportunity_id,owner_rep_id,status\no1,ana,open\n")
    with Workspace(tmp_path / "w.duckdb") as ws, pytest.raises(ValidationError) as info:
        run_import(ws, [folder], presets.get("canonical"))
    (problem,) = info.value.problems
    assert (problem.row, problem.value) == (4, "ben")
    assert "repeats the key of reps.csv row 3" in problem.message


def test_unknown_preset_suggests_the_closest(tmp_path):
    result = runner.invoke(app, ["import", "--workspace", str(tmp_path / "w.duckdb"),
                                 "--preset", "salesforc", str(TINY)])
    assert result.exit_code == 2
    assert "did you mean 'salesforce'?" in result.stderr


def test_workspace_from_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "env.duckdb"
    monkeypatch.setenv("FUNNELWISE_WORKSPACE", str(path))
    assert runner.invoke(app, ["import", str(TINY)]).exit_code == 0
    result = runner.invoke(app, ["winrates", "--by", "team", "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("key,parent,won,lost")


def test_metric_on_missing_workspace_says_how_to_create_one(tmp_path):
    result = runner.invoke(app, ["winrates", "--workspace", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert "does not exist; import data first" in result.stderr
    assert "workspaces in" not in result.stderr


def test_a_missing_workspace_names_the_ones_beside_it(tmp_path):
    """After `make demo` the workspace is demo.duckdb, not the default name."""
    assert runner.invoke(app, ["import", "--workspace", str(tmp_path / "demo.duckdb"),
                               str(TINY)]).exit_code == 0
    result = runner.invoke(app, ["winrates", "--workspace", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 2
    assert f"workspaces in {tmp_path}: demo.duckdb (--workspace {tmp_path / 'demo.duckdb'})" in (
        " ".join(result.stderr.split()))


def test_readers_share_a_workspace_and_older_workspaces_stay_readable(ws_path):
    import duckdb

    with duckdb.connect(str(ws_path)) as con:  # a workspace from before `quotas` existed
        con.execute("DROP TABLE quotas")
    with Workspace(ws_path, read_only=True) as first, Workspace(ws_path, read_only=True) as second:
        assert first.crm().quotas.count().execute() == 0
        assert second.crm().opportunities.count().execute() == 8
    with Workspace(ws_path) as ws:
        assert ws.counts()["quotas"] == 0  # a writer recreates the table
