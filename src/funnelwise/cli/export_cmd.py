"""`funnelwise export`: the workspace's canonical tables as Parquet, for Spark or any engine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from funnelwise.cli.common import DEFAULT_WORKSPACE, WorkspaceOpt, console, user_errors

ORDER = 15


@user_errors
def export(
    out: Annotated[Path, typer.Option(
        help="Folder to write <table>.parquet and funnel.toml into.")],
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
) -> None:
    """Write every canonical table as Parquet (a folder `--workspace` and `--engine spark` read)."""
    from funnelwise.io.engines import export_parquet
    from funnelwise.io.workspace import Workspace

    with Workspace(workspace, read_only=True) as ws:
        counts = export_parquet(ws, out)
    summary = ", ".join(f"{name} {rows:,}" for name, rows in counts.items())
    console.print(f"wrote {out}: {summary}")


def register(app: typer.Typer) -> None:
    app.command()(export)
