"""`changes`: the pipeline waterfall between two days, each line with its deals."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    Format,
    FormatOpt,
    OutOpt,
    WorkspaceOpt,
    day_option,
    emit,
    open_workspace,
    rep_names,
    user_errors,
)

ORDER = 36


@user_errors
def changes(
    start: Annotated[dt.date | None, day_option(
        "--from", "First day: the pipeline as it stood at its start (default: a week before "
        "--to).")] = None,
    end: Annotated[dt.date | None, day_option(
        "--to", "Last day: the pipeline at its start (default: the day after the latest "
        "record).")] = None,
    by: Annotated[str, typer.Option("--by", metavar="all|rep|manager|team",
                                    help="One waterfall for everyone, or one per group.")
                  ] = "all",
    period: Annotated[str | None, typer.Option(
        metavar="PERIOD", help="The period whose pipeline is followed: 2026-Q3, 2026-07 or "
        "2026 (default: the quarter of --to if a third of it remains, else the next).")
    ] = None,
    deals: Annotated[bool, typer.Option("--deals", help="List the deals behind each line.")
                     ] = False,
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE, format: FormatOpt = Format.table,
    out: OutOpt = None,
) -> None:
    """What changed in the pipeline: open value at --from, + created, + pulled in, - pushed
    out, - won, - lost, +/- amount changes = open value at --to; stage moves beside it.

    Example: funnelwise changes --from 2026-06-22 --to 2026-06-29 --by manager --deals
    """
    from funnelwise.periods import parse_period
    from funnelwise.pipeline.changes import changes as changes_of
    from funnelwise.presentation.weekly import changes_view

    chosen = parse_period(period) if period else None
    with open_workspace(workspace) as ws:
        crm = ws.crm()
        result = changes_of(crm, start=start, end=end, period=chosen, by=by)
        emit(changes_view(result, names=rep_names(crm), deals=deals), format, out=out)


def register(app: typer.Typer) -> None:
    app.command()(changes)
