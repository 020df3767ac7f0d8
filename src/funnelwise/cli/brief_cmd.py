"""`funnelwise brief`: the Monday brief per manager, as Markdown or a self-contained HTML page."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from funnelwise.cli.coach_cmd import ManagerOpt, TargetOpt, WeekOpt, settings
from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    FunnelOpt,
    WorkspaceOpt,
    console,
    funnel_override,
    open_workspace,
    user_errors,
)
from funnelwise.coach.brief import Brief, make_brief
from funnelwise.errors import UserError
from funnelwise.formats import date
from funnelwise.metrics.scope import Scope, check
from funnelwise.presentation.brief import to_html, to_markdown

ORDER = 61

OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", metavar="PATH", help="Write to this file: .md for Markdown, .html for a "
    "self-contained page (default: Markdown on the terminal).")]


MARKDOWN, HTML = (".md", ".markdown"), (".html", ".htm")


def render_check(out: Path) -> None:
    if out.suffix.lower() not in (*MARKDOWN, *HTML):
        raise UserError(f"--out {out}: the file must end in .md (Markdown) or .html (a page)")


def render(result: Brief, out: Path | None) -> str:
    """Markdown, or HTML when `out` ends in .html."""
    if out is not None and out.suffix.lower() in HTML:
        return to_html(result)
    return to_markdown(result)


@user_errors
def brief(
    week: WeekOpt = None, manager: ManagerOpt = None, out: OutOpt = None,
    target: TargetOpt = None, workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    funnel: FunnelOpt = None,
) -> None:
    """The Monday brief per manager: status, who to talk to and what to ask, deals to review.

    Bright spots worth sharing are in it too; Markdown by default, --out brief.html for a page.

    Example: funnelwise brief --manager "Harper Hall" --out brief.html
    """
    with open_workspace(workspace) as ws:
        crm = ws.crm(funnel_override(funnel))
        check(crm, Scope(manager=manager))
        if out is not None:
            render_check(out)
        config, targets = settings(crm.funnel, target)
        result = make_brief(crm, week=week, manager=manager,
                            config=config, targets=targets)
    text = render(result, out)
    if out is None:
        sys.stdout.write(text)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror}") from exc
    console.print(f"brief for the week of {date(result.week)} written to {out}", markup=False,
                  highlight=False)


def register(app: typer.Typer) -> None:
    app.command()(brief)
