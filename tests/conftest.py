"""Shared fixtures: paths to the hand-checkable fixture and the real datasets, workspaces."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace

HERE = Path(__file__).parent
TINY = HERE / "fixtures" / "tiny"
SHARED = HERE.parent.parent / "shared" / "data"
MAVEN = SHARED / "maven-crm-sales-opportunities"
SPARKLE = SHARED / "sparklesquad-crm-dataworld"
SALESFORCE = SHARED / "salesforce-dev-org-sample-data"


def needs(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not path.exists(), reason=f"{path} not present")


def raw_sql(query: str) -> list[tuple]:
    """Plain DuckDB SQL over raw files: the independent computation tests compare against."""
    with duckdb.connect() as con:
        return con.execute(query).fetchall()


@pytest.fixture
def tiny_ws(tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "tiny.duckdb")
    run_import(ws, [TINY], presets.get("canonical"))
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def maven_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("maven") / "maven.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [MAVEN], presets.get("maven"))
    return path


@dataclass(frozen=True)
class SimulatedWorkspace:
    """A simulated org imported into a workspace, with its truth.json."""

    path: Path
    data: Path
    truth: dict


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> SimulatedWorkspace:
    """80 reps x 52 weeks (seed 11), written as canonical CSV and imported."""
    from funnelwise.simulate import SimConfig, simulate_org, write_org

    data = tmp_path_factory.mktemp("sim")
    org = simulate_org(SimConfig(reps=80, weeks=52, seed=11))
    write_org(org, data)
    path = data / "ws.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [data], presets.get("canonical"))
    return SimulatedWorkspace(path=path, data=data, truth=json.loads((data / "truth.json")
                                                                     .read_text()))


DEMO = {"reps": 20, "weeks": 52, "seed": 7}


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace: what `funnelwise demo` builds (20 reps, 52 weeks, seed 7)."""
    from funnelwise.simulate import SimConfig, simulate_org, write_org

    data = tmp_path_factory.mktemp("demo")
    write_org(simulate_org(SimConfig(**DEMO)), data)
    path = data / "demo.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [data], presets.get("canonical"))
    return path
