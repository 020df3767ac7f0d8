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
    SinceOpt,
    UntilOpt,
    WorkspaceOpt,
    day,
    emit,
    open_workspace,
    user_errors,
)
from funnelwise.metrics.shrinkage import DEFAULT_LEVEL

ORDER = 62


@user_errors
def sources(
    by: Annotated[str, typer.Option("--by", help="source, landing_page or sdr.")] = "source",
    since: SinceOpt = None, until: UntilOpt = None,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, format: FormatOpt = Format.table,
    explain: ExplainOpt = False, level: LevelOpt = DEFAULT_LEVEL,
) -> None:
    """Per source: leads, opportunities, pipeline value, won revenue, lead-to-won conversion."""
    from funnelwise.metrics.sources import sources as sources_metric
    from funnelwise.presentation import forecast as _views  # noqa: F401  (registers the terminal views)

    with open_workspace(workspace) as ws:
        result = sources_metric(ws.crm(), by=by, since=day(since), until=day(until),
                                level=level)
        emit(result, format, explain)


def register(app: typer.Typer) -> None:
    app.command()(sources)
