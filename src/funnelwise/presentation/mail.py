"""The Monday brief as e-mail: one message per manager, their own brief only.

Each message is multipart/alternative: the manager's section of the brief as plain text (the
Markdown, which reads as text) and the same as a self-contained HTML page (`presentation.brief`),
so a mail client without HTML still shows every figure. The subject names the week and the
manager: `Monday brief, week of 2026-06-22: Harper Hall`.

Addresses are checked here, for every message, before anything is sent: `address` accepts
`name@example.com` or `Harper Hall <harper@example.com>`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr

from funnelwise.coach.brief import Brief, ManagerBrief
from funnelwise.presentation.brief import title, to_html, to_markdown

ADDRESS = re.compile(r"[^@\s<>\",;]+@[^@\s<>\",;]+\.[^@\s<>\",;.]+")
"""local@domain.tld: one @, a dot in the domain, no spaces, brackets, quotes or separators."""


def address(text: str) -> str | None:
    """`text` as an address for a To or From header, or None when it is not one address.

    >>> address("Harper Hall <harper@example.com>")
    'Harper Hall <harper@example.com>'
    >>> address(" harper@example.com ")
    'harper@example.com'
    >>> address("harper") is None, address("a@example.com, b@example.com") is None
    (True, True)
    """
    found = getaddresses([text.strip()])
    if len(found) != 1 or not ADDRESS.fullmatch(found[0][1]):
        return None
    name, addr = found[0]
    return formataddr((name, addr)) if name else addr


@dataclass(frozen=True)
class Letter:
    """One manager's brief, addressed."""

    manager: str
    to: str
    message: EmailMessage


def one_brief(b: Brief, m: ManagerBrief) -> Brief:
    """The brief holding only `m`'s section: its title, status, reps, calls and footer."""
    return dataclasses.replace(b, briefs=(m,))


def subject(b: Brief, m: ManagerBrief) -> str:
    return f"{title(b)}: {m.manager}" if m.manager else title(b)


def message(b: Brief, m: ManagerBrief, *, sender: str, to: str, sent: dt.datetime) -> EmailMessage:
    """`m`'s brief as text and HTML alternatives, from `sender` to `to`, dated `sent`."""
    mine = one_brief(b, m)
    msg = EmailMessage()
    msg["Subject"] = subject(b, m)
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = make_msgid(domain=parseaddr(sender)[1].rpartition("@")[2] or None)
    msg.set_content(to_markdown(mine))
    msg.add_alternative(to_html(mine), subtype="html")
    return msg


def letters(b: Brief, *, sender: str, recipients: Mapping[str, str],
            sent: dt.datetime) -> tuple[Letter, ...]:
    """One letter per manager of the brief, to the address `recipients` gives them (every
    manager has one: the caller resolves and checks them first)."""
    return tuple(Letter(manager=str(m.manager), to=recipients[str(m.manager)],
                        message=message(b, m, sender=sender, to=recipients[str(m.manager)],
                                        sent=sent))
                 for m in b.briefs)


def file_name(b: Brief, letter: Letter) -> str:
    """`2026-06-22-harper-hall.eml`: the week and the manager, safe on any file system."""
    slug = re.sub(r"[^a-z0-9]+", "-", letter.manager.lower()).strip("-") or "manager"
    return f"{b.week.isoformat()}-{slug}.eml"
