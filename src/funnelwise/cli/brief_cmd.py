"""`funnelwise brief`: the Monday brief per manager, as Markdown or a self-contained HTML page,
or mailed to each manager (`--send`; `--dry-run FOLDER` writes the messages instead)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from funnelwise.cli.accuracy_cmd import kept
from funnelwise.cli.coach_cmd import ManagerOpt, TargetOpt, WeekOpt, settings
from funnelwise.cli.common import (
    DEFAULT_WORKSPACE,
    FunnelOpt,
    WorkspaceOpt,
    console,
    funnel_override,
    open_workspace,
    user_errors,
    write_out,
)
from funnelwise.cli.delivery import (
    Delivery,
    check_ready,
    delivery_settings,
    password_of,
    recipients,
    send,
    write_letters,
)
from funnelwise.coach.brief import Brief, make_brief
from funnelwise.errors import UserError
from funnelwise.formats import date
from funnelwise.io.settings import Settings, read_settings
from funnelwise.metrics.scope import Scope, check
from funnelwise.presentation.brief import to_html, to_markdown
from funnelwise.presentation.mail import Letter, file_name, letters

ORDER = 61
PANEL = "Mailing the brief"

OutOpt = Annotated[Path | None, typer.Option(
    "--out", "-o", metavar="PATH", help="Write to this file: .md for Markdown, .html for a "
    "self-contained page (default: Markdown on the terminal).")]
SendOpt = Annotated[bool, typer.Option(
    "--send", rich_help_panel=PANEL, help="Mail each manager their own brief (HTML with a "
    "plain-text part) over SMTP: [delivery] in funnelwise.toml beside the workspace, or the "
    "options below.")]
DryRunOpt = Annotated[Path | None, typer.Option(
    "--dry-run", metavar="FOLDER", rich_help_panel=PANEL,
    help="Write the messages --send would send to FOLDER as .eml files; send nothing.")]
HostOpt = Annotated[str | None, typer.Option(
    "--smtp-host", metavar="HOST", rich_help_panel=PANEL, help="The SMTP server.")]
PortOpt = Annotated[int | None, typer.Option(
    "--smtp-port", metavar="PORT", rich_help_panel=PANEL,
    help="Its port (default: 587 with --starttls, else 25).")]
StartTlsOpt = Annotated[bool | None, typer.Option(
    "--starttls/--no-starttls", rich_help_panel=PANEL, show_default=False,
    help="Encrypt the connection with STARTTLS before logging in.")]
UserOpt = Annotated[str | None, typer.Option(
    "--smtp-user", metavar="USER", rich_help_panel=PANEL,
    help="Log in as USER; the password is read from FUNNELWISE_SMTP_PASSWORD.")]
FromOpt = Annotated[str | None, typer.Option(
    "--from", metavar="ADDRESS", rich_help_panel=PANEL, help="The sender's address.")]


MARKDOWN, HTML = (".md", ".markdown"), (".html", ".htm")


def render_check(out: Path) -> None:
    if out.suffix.lower() not in (*MARKDOWN, *HTML):
        raise UserError(f"--out {out}: the file must end in .md (Markdown) or .html (a page)")


def render(result: Brief, out: Path | None) -> str:
    """Markdown, or HTML when `out` ends in .html."""
    if out is not None and out.suffix.lower() in HTML:
        return to_html(result)
    return to_markdown(result)


def say(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def write(result: Brief, out: Path | None) -> None:
    """The brief in `out`; without it, laid out on a terminal (as `demo` shows it), else the
    Markdown itself (piped to a file or another program)."""
    if out is None and console.is_terminal:
        from rich.markdown import Markdown

        console.print(Markdown(render(result, None)))
        return
    write_out(render(result, out), out)
    if out is None:
        return
    say(f"brief for the week of {date(result.week)} written to {out}")


def unique_names(result: Brief, mail: tuple[Letter, ...]) -> list[str]:
    """Each letter's file name; a second manager with the same name on disk gets `-2`."""
    out: list[str] = []
    for letter in mail:
        name = file_name(result, letter)
        stem, n = name.removesuffix(".eml"), 2
        while name in out:
            name, n = f"{stem}-{n}.eml", n + 1
        out.append(name)
    return out


def deliver(result: Brief, mail: tuple[Letter, ...], d: Delivery, dry_run: Path | None) -> None:
    week = date(result.week)
    if dry_run is not None:
        paths = write_letters(mail, dry_run, unique_names(result, mail))
        for letter, path in zip(mail, paths, strict=True):
            say(f"{letter.manager}: {letter.to} -> {path}")
        say(f"{len(mail)} briefs for the week of {week} written to {dry_run}; nothing sent")
        return
    send(mail, d, password=password_of(), say=say)
    say(f"{len(mail)} briefs for the week of {week} sent through {d.server}")


@user_errors
def brief(
    week: WeekOpt = None, manager: ManagerOpt = None, out: OutOpt = None,
    target: TargetOpt = None, workspace: WorkspaceOpt = DEFAULT_WORKSPACE,
    funnel: FunnelOpt = None, send_: SendOpt = False,
    dry_run: DryRunOpt = None, smtp_host: HostOpt = None, smtp_port: PortOpt = None,
    starttls: StartTlsOpt = None, smtp_user: UserOpt = None, sender: FromOpt = None,
) -> None:
    """The Monday brief per manager: status, who to talk to and what to ask, deals to review.

    Bright spots worth sharing and the reps' calls are in it too; laid out on a terminal,
    Markdown when piped or with --out brief.md, --out brief.html for a page, --send to mail
    each manager their own (docs/brief.md).

    Example: funnelwise brief --manager "Harper Hall" --out brief.html
    """
    mailing = send_ or dry_run is not None
    if out is not None:
        render_check(out)
    # every setting and address is checked before the brief is made, nothing sent before all
    found = read_settings(workspace) if mailing else Settings(path=workspace)
    d = delivery_settings(found, smtp_host=smtp_host, smtp_port=smtp_port, starttls=starttls,
                          smtp_user=smtp_user, sender=sender) if mailing else Delivery()
    if mailing:
        check_ready(d, found, sending=dry_run is None, password=password_of())
    with open_workspace(workspace) as ws:
        crm = ws.crm(funnel_override(funnel))
        check(crm, Scope(manager=manager))
        to = recipients(crm, manager, d, found) if mailing else {}
        config, targets = settings(crm.funnel, target)
        result = make_brief(crm, week=week, manager=manager,
                            config=config, targets=targets, accuracy=kept(ws))
    if out is not None or not mailing:
        write(result, out)
    if mailing:
        mail = letters(result, sender=str(d.sender), recipients=to,
                       sent=dt.datetime.now(dt.UTC).astimezone())
        deliver(result, mail, d, dry_run)


def register(app: typer.Typer) -> None:
    app.command()(brief)
