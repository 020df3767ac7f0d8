"""`funnelwise settings`: how the workspace's figures read, stored with the data."""

from __future__ import annotations

from typing import Annotated

import typer

from funnelwise import formats
from funnelwise.cli.common import (
    CURRENCY_KEY,
    DEFAULT_WORKSPACE,
    WorkspaceOpt,
    console,
    user_errors,
    waiting,
)

ORDER = 16
SAMPLE = 442_190


@user_errors
def settings(
    currency: Annotated[str | None, typer.Option(
        metavar="CODE|SYMBOL|none", help="Currency money is shown in: an ISO code (EUR, shown "
        "442.2k EUR), a symbol (€, shown €442.2k) or none.")] = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
) -> None:
    """Show the workspace's display settings, or change them: the currency of every amount.

    The setting is stored in the workspace, so every command, the dashboard and the reports
    show money the same way; JSON and CSV keep plain numbers.

    Example: funnelwise settings --currency EUR
    """
    from funnelwise.io.workspace import Workspace, require

    require(workspace)
    if currency is None:
        with Workspace(workspace, read_only=True, on_wait=waiting) as ws:
            value = ws.get_meta(CURRENCY_KEY) or ""
    else:
        value = formats.parse_currency(currency)
        with Workspace(workspace, on_wait=waiting) as ws:
            ws.set_meta(CURRENCY_KEY, value)
    shown = formats.money(SAMPLE, currency_setting=value)
    console.print(f"currency: {value or 'none'} (money reads like {shown})", markup=False,
                  highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(settings)
