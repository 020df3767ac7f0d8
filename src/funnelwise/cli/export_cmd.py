"""`funnelwise export`: the workspace's canonical tables as Parquet, for Spark or any engine,
or only its funnel as a TOML file to edit and import again with `--funnel`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from funnelwise.cli.common import DEFAULT_WORKSPACE, WorkspaceOpt, console, user_errors
from funnelwise.errors import UserError

ORDER = 15


@user_errors
def export(
    out: Annotated[Path | None, typer.Option(
        metavar="FOLDER", help="Folder to write <table>.parquet and funnel.toml into.")] = None,
    funnel: Annotated[Path | None, typer.Option(
        metavar="PATH", help="Write only the funnel stored with the data to this TOML file, "
        "to edit and pass to `import --funnel`.")] = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
) -> None:
    """Write every canonical table as Parquet (a folder --workspace and --engine spark read),
    or with --funnel only the workspace's funnel.

    Example: funnelwise export --out tables/ (or --funnel funnel.toml)
    """
    from funnelwise.cli.common import open_workspace

    if (out is None) == (funnel is None):
        raise UserError("give --out FOLDER (the tables as Parquet) or --funnel FILE (the "
                        "funnel as TOML)")
    with open_workspace(workspace) as ws:
        if funnel is not None:
            _write_funnel(ws.funnel().source, funnel)
            return
        from funnelwise.io.engines import export_parquet

        assert out is not None
        counts = export_parquet(ws, out)
    summary = ", ".join(f"{name} {rows:,}" for name, rows in counts.items())
    console.print(f"wrote {out}: {summary}", markup=False, highlight=False)


def _write_funnel(text: str, path: Path) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from exc
    console.print(f"wrote the funnel to {path}; after editing it: funnelwise import --funnel "
                  f"{path} ...", markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(export)
