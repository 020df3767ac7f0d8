"""`sources`: leads, qualified pipeline and revenue per lead source, landing page or SDR."""

from __future__ import annotations

from typing import Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    ExplainOpt,
    Format,
    FormatOpt,
    LevelOpt,
    OutOpt,
    SinceOpt,
    UntilOpt,
    WorkspaceOpt,
    emit,
    open_workspace,
    user_errors,
)
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL

ORDER = 62


@user_errors
def sources(
    by: Annotated[str, typer.Option(
        "--by", metavar="GROUP", help="How to group: source, landing_page or sdr.")
    ] = "source",
    since: SinceOpt = None, until: UntilOpt = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, format: FormatOpt = Format.table,
    explain: ExplainOpt = False, level: LevelOpt = DEFAULT_LEVEL, out: OutOpt = None,
) -> None:
    """Per source: leads, opportunities, pipeline value, won revenue, lead-to-won conversion.

    Example: funnelwise sources --by landing_page --since 2026-01-01
    """
    from funnelwise.metrics.sources import sources as sources_metric
    from funnelwise.presentation import forecast as _views  # noqa: F401  (registers the terminal views)

    with open_workspace(workspace) as ws:
        result = sources_metric(ws.crm(), by=by, since=since, until=until, level=level)
        emit(result, format, explain, out=out)


def register(app: typer.Typer) -> None:
    app.command()(sources)
