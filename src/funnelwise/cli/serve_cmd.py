"""`funnelwise serve`: the dashboard on a local web server."""

from __future__ import annotations

from typing import Annotated

import typer

from funnelwise.cli.common import DEFAULT_WORKSPACE, WorkspaceOpt, console, user_errors

ORDER = 80


@user_errors
def serve(
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    host: Annotated[str, typer.Option(metavar="ADDRESS", help="Address to listen on.")
                    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
) -> None:
    """Serve the dashboard: team overview and rep pages, each with a JSON twin under /api.

    The workspace is opened only while a page reads it, so `funnelwise import` can write to it
    while the dashboard runs; the next page shows the new data.

    Example: funnelwise serve --workspace demo.duckdb --port 8765
    """
    import uvicorn

    from funnelwise.web.app import create_app

    app = create_app(workspace)
    console.print(f"funnelwise dashboard on http://{host}:{port}/ (workspace {workspace}); "
                  f"Ctrl+C stops it", highlight=False, markup=False)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(serve)
