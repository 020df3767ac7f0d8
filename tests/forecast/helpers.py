"""Small workspaces written from CSV text, imported the way a user would (canonical preset)."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace

ONE_STAGE_FUNNEL = """
name = "one stage"
stages = ["Open"]
closed_stages = ["Won", "Lost"]
[[steps]]
name = "open"
kind = "stage"
stage = "Open"
[[steps]]
name = "won"
kind = "status"
status = "won"
"""


def workspace_from(folder: Path, tables: dict[str, str], *,
                   funnel_text: str | None = None) -> Workspace:
    """Write each table's CSV text to `folder` and import it into a new workspace there."""
    data = folder / "data"
    data.mkdir()
    for name, text in tables.items():
        (data / f"{name}.csv").write_text(dedent(text).strip() + "\n", encoding="utf-8")
    ws = Workspace(folder / "ws.duckdb")
    run_import(ws, [data], presets.get("canonical"), funnel_text=funnel_text)
    return ws
