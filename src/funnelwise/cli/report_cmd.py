"""`funnelwise report`: the dashboard's views as one HTML file that opens offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    SinceOpt,
    UntilOpt,
    WorkspaceOpt,
    console,
    open_workspace,
    user_errors,
)
from funnelwise.errors import UserError

ORDER = 80
ManagerOpt = Annotated[str | None, typer.Option(metavar="NAME",
                                                help="Only this manager's reps.")]
TeamOpt = Annotated[str | None, typer.Option(metavar="TEAM", help="Only this team's reps.")]


@user_errors
def report(
    out: Annotated[Path, typer.Option("--out", "-o", metavar="PATH",
                                      help="HTML file to write.")] = Path("report.html"),
    workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    since: SinceOpt = None, until: UntilOpt = None,
    manager: ManagerOpt = None, team: TeamOpt = None,
) -> None:
    """Write the team overview and every rep page to one self-contained HTML file.

    Example: funnelwise report --manager "Harper Hall" --since 2026-01-01 --out team.html
    """
    from funnelwise.web.filters import Filters
    from funnelwise.web.report import report_html

    filters = Filters(since=since, until=until, manager=manager, team=team)
    with open_workspace(workspace) as ws, console.status("rendering the report"):
        html = report_html(ws.crm(), filters)
    try:
        out.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror}") from exc
    console.print(f"wrote {out} ({len(html) / 1e6:.1f} MB); it opens offline in any browser",
                  highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    app.command()(report)
