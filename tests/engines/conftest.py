"""Simulated data shared by the engine tests, and the `spark` marker kept out of plain runs.

Tests marked `spark` need Java 17+ and PySpark (scripts/setup-spark.sh installs both); they
run with `make test-spark` (`pytest -m spark`) and are deselected from any run whose `-m`
expression does not mention `spark`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.simulate import SimConfig, simulate_org, write_org


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "spark" in (config.getoption("markexpr") or ""):
        return
    spark = [item for item in items if item.get_closest_marker("spark")]
    if spark:
        config.hook.pytest_deselected(items=spark)
        items[:] = [item for item in items if not item.get_closest_marker("spark")]


@dataclass(frozen=True)
class Org:
    """One simulated org as a Parquet folder and as an imported DuckDB workspace."""

    parquet: Path
    workspace: Path


@pytest.fixture(scope="session")
def org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    """20 reps x 26 weeks (seed 3): Parquet as the simulator writes it, and imported."""
    root = tmp_path_factory.mktemp("engines")
    parquet = root / "parquet"
    write_org(simulate_org(SimConfig(reps=20, weeks=26, seed=3)), parquet, fmt="parquet")
    workspace = root / "ws.duckdb"
    with Workspace(workspace) as ws:
        run_import(ws, [parquet], presets.get("canonical"))
    return Org(parquet=parquet, workspace=workspace)
