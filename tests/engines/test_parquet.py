"""A folder of canonical Parquet files on DuckDB gives the figures of the imported workspace."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.errors import UserError
from funnelwise.io.engines import duckdb_crm, export_parquet, open_crm
from funnelwise.io.workspace import Workspace
from tests.engines.cases import CASES, ROWS, assert_same, named

runner = CliRunner()


@pytest.mark.parametrize("case", list(CASES))
def test_parquet_folder_on_duckdb_equals_the_workspace(org, case):
    with Workspace(org.workspace, read_only=True) as ws:
        expected = CASES[case](ws.crm())
    assert {name: len(f) for name, f in named(expected).items()} == ROWS[case]
    assert_same(CASES[case](duckdb_crm(org.parquet)), expected)


def test_every_case_states_its_rows():
    assert list(ROWS) == list(CASES)


def test_export_writes_every_table_and_the_funnel(org, tmp_path):
    with Workspace(org.workspace, read_only=True) as ws:
        counts = export_parquet(ws, tmp_path)
        expected = ws.counts()
        funnel = ws.funnel()
    assert counts == expected
    assert {p.name for p in tmp_path.glob("*.parquet")} == {f"{n}.parquet" for n in counts}
    with open_crm(tmp_path) as crm:
        assert crm.funnel.steps == funnel.steps
        assert int(crm.activities.count().execute()) == expected["activities"]


def cli_json(*args: str) -> list[dict]:
    result = runner.invoke(app, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_cli_reads_an_exported_folder_like_the_workspace(org, tmp_path):
    out = tmp_path / "export"
    result = runner.invoke(app, ["export", "--workspace", str(org.workspace), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "activities" in result.stdout
    for metric in ("winrates", "funnel", "cycle"):
        from_folder = cli_json(metric, "--workspace", str(out), "--engine", "duckdb")
        assert from_folder == cli_json(metric, "--workspace", str(org.workspace))


def test_a_folder_without_the_canonical_files_is_a_user_error(tmp_path):
    (tmp_path / "reps.parquet").write_bytes(b"")
    with pytest.raises(UserError, match=r"activities\.parquet.*funnelwise export"):
        duckdb_crm(tmp_path)


def test_an_unknown_engine_is_refused_with_the_choices(org):
    result = runner.invoke(app, ["winrates", "--workspace", str(org.workspace),
                                 "--engine", "polars"])
    assert result.exit_code == 2
    assert "duckdb" in result.output and "spark" in result.output


def test_open_crm_refuses_a_missing_workspace(tmp_path: Path):
    with pytest.raises(UserError, match="does not exist"), open_crm(tmp_path / "none.duckdb"):
        pass


def test_the_spark_engine_without_pyspark_says_how_to_install_it(org, monkeypatch):
    """No traceback from deep inside Ibis: one line naming the set-up script."""
    for module in ("pyspark", "pyspark.sql"):
        monkeypatch.setitem(sys.modules, module, None)  # `import pyspark` now fails
    result = runner.invoke(app, ["winrates", "--workspace", str(org.parquet),
                                 "--engine", "spark"])
    assert result.exit_code == 2
    assert "the spark engine needs PySpark and Java 17+: run scripts/setup-spark.sh" in (
        result.stderr)
    assert "Traceback" not in result.stderr
