"""The demo workspace: what `funnelwise demo` builds (20 reps, 52 weeks, seed 7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace

DEMO = {"reps": 20, "weeks": 52, "seed": 7}


@pytest.fixture(scope="session")
def demo_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from funnelwise.simulate import SimConfig, simulate_org, write_org

    data = tmp_path_factory.mktemp("demo")
    write_org(simulate_org(SimConfig(**DEMO)), data)
    path = data / "demo.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [data], presets.get("canonical"))
    return path
