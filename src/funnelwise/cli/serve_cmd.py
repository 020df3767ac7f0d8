"""`funnelwise serve`: the dashboard on a local web server."""

from __future__ import annotations

from typing import Annotated

import typer

from funnelwise.cli.common import DEFAULT_WORKSPACE, WorkspaceOpt, console, user_errors
from funnelwise.errors import UserError

ORDER = 80
ENV_TOKEN = "FUNNELWISE_TOKEN"


@user_errors
def serve(
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    host: Annotated[str, typer.Option(metavar="ADDRESS", help=(
        "Address to listen on. Off loopback (0.0.0.0 for every address) a token is needed."
    ))] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8765,
    allow_host: Annotated[list[str] | None, typer.Option(
        "--allow-host", metavar="NAME", help=(
            "Also answer requests for this host name (repeatable): the name people type, "
            "or a proxy's. Others get 400."))] = None,
    token: Annotated[str | None, typer.Option(
        envvar=ENV_TOKEN, metavar="SECRET", help=(
            "Needed by every request: the login link printed at start sets it in the "
            "browser; API calls send 'Authorization: Bearer SECRET'."))] = None,
) -> None:
    """Serve the dashboard: team overview and rep pages, each with a JSON twin under /api.

    The workspace is opened only while a page reads it, so `funnelwise import` can write to it
    while the dashboard runs; the next page shows the new data. To share it with a team,
    listen off loopback with a token: --host 0.0.0.0 --token SECRET.

    Example: funnelwise serve --workspace demo.duckdb --port 8765
    """
    from funnelwise.web import security

    if not token and not security.is_loopback(host):
        raise UserError(
            f"serving on {host} would let anyone who reaches this machine read the data; "
            f"set a token with --token SECRET or {ENV_TOKEN}=SECRET (make one with: python "
            "-c 'import secrets; print(secrets.token_urlsafe(24))'), then share the login "
            "link it prints; or keep the default --host 127.0.0.1")
    import uvicorn

    from funnelwise.web.app import create_app

    guard = security.Guard.serving(host, allow=allow_host or (), token=token)
    app = create_app(workspace, guard=guard)
    base = f"http://{security.url_host(host)}:{port}"
    console.print(f"funnelwise dashboard on {base}/ (workspace {workspace}); "
                  f"Ctrl+C stops it", highlight=False, markup=False, soft_wrap=True)
    if guard.token is not None:  # one line each, never wrapped: the link is copied whole
        console.print(f"login link (sets the token in a browser): {base}"
                      f"{security.login_path(guard.token)}", highlight=False, markup=False,
                      soft_wrap=True)
        console.print("answers to the host names " + ", ".join(sorted(guard.hosts or ()))
                      + "; add one with --allow-host NAME", highlight=False, markup=False,
                      soft_wrap=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command()(serve)
