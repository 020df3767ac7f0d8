"""Workspaces for the pipeline tests: the coverage fixture, and one review of the simulated org."""

from __future__ import annotations

from pathlib import Path

import pytest

from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.pipeline.review import Review, review

FIXTURE = Path(__file__).parent / "fixtures" / "coverage"


@pytest.fixture(scope="session")
def coverage_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("coverage") / "coverage.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [FIXTURE], presets.get("canonical"))
    return path


@pytest.fixture
def coverage_ws(coverage_path: Path) -> Workspace:
    ws = Workspace(coverage_path, create=False)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def simulated_review(simulated) -> Review:
    """The review of the simulated org at the end of its data."""
    with Workspace(simulated.path, create=False) as ws:
        return review(ws.crm())
