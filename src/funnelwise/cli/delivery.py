"""Mailing the Monday brief: the `[delivery]` settings, each manager's address, one SMTP session.

```toml
# funnelwise.toml, beside the workspace (docs/brief.md)
[delivery]
smtp_host = "smtp.example.com"
smtp_port = 587                  # default: 587 with starttls, else 25
starttls = true
smtp_user = "briefs@example.com" # the password is read from FUNNELWISE_SMTP_PASSWORD only
from = "Sales briefs <briefs@example.com>"
timeout = 30                     # seconds to wait for the server

[delivery.recipients]            # a manager's address; else reps.manager_email
"Harper Hall" = "harper@example.com"
```

The command's options (`--smtp-host`, `--smtp-port`, `--starttls`, `--smtp-user`, `--from`)
replace the file's values. A manager's address comes from `[delivery.recipients]`, else from
`reps.manager_email` of their reps (who must agree on one).

Nothing partial: every message is built and every address checked first, then one
connection is opened and logged in; only then is anything sent. A failure before the first
message says that nothing was sent; one midway names the managers sent and those not.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
from pydantic import AfterValidator, ConfigDict, Field
from pydantic.dataclasses import dataclass

from funnelwise.errors import UserError, did_you_mean
from funnelwise.io.settings import Settings
from funnelwise.presentation.mail import Letter, address
from funnelwise.schema.crm import Crm
from funnelwise.schema.sections import SECTION, Flag, Number, Text, Whole, override, problem

PASSWORD = "FUNNELWISE_SMTP_PASSWORD"
"""The environment variable holding the SMTP password (never a file or an option)."""
SECTION_NAME = "delivery"
EXPECTED = "expected name@example.com or Name <name@example.com>"


def _mailbox(value: str) -> str:
    found = address(value)
    if found is None:
        raise problem(f"is not one e-mail address ({EXPECTED}), got {value!r}")
    return found


Mailbox = Annotated[Text, AfterValidator(_mailbox)]


@dataclass(frozen=True, config=ConfigDict(**SECTION, validate_by_name=True,
                                          validate_by_alias=True))
class Delivery:
    """Where and how the brief is mailed: the `[delivery]` table, then the options."""

    smtp_host: Text | None = None
    smtp_port: Annotated[Whole, Field(ge=1, le=65535)] | None = None
    starttls: Flag = False
    smtp_user: Text | None = None
    sender: Annotated[Mailbox | None, Field(alias="from")] = None
    recipients: dict[Text, Mailbox] = Field(default_factory=dict)
    timeout: Annotated[Number, Field(gt=0)] = 30.0

    @property
    def port(self) -> int:
        return self.smtp_port or (587 if self.starttls else 25)

    @property
    def server(self) -> str:
        return f"{self.smtp_host}:{self.port}"


def delivery_settings(settings: Settings, **options: Any) -> Delivery:
    """`[delivery]` of funnelwise.toml with the options given (None keeps the file's value)."""
    if "password" in settings.tables.get(SECTION_NAME, {}):
        raise UserError(f"{settings.path} [{SECTION_NAME}]: password is never read from a "
                        f"file; remove it and set the {PASSWORD} environment variable")
    return override(settings.section(SECTION_NAME, Delivery), **options)


def check_ready(d: Delivery, settings: Settings, *, sending: bool,
                password: str | None) -> None:
    """Every setting the messages (and, `sending`, the server) need, before any work; all
    that is missing in one error."""
    where = f"in {settings.path} [{SECTION_NAME}]"
    gaps = [] if d.sender else [f"a sender: --from ADDRESS, or from = \"...\" {where}"]
    if sending and not d.smtp_host:
        gaps.append(f"an SMTP server: --smtp-host HOST, or smtp_host = \"...\" {where}")
    if sending and d.smtp_user and not password:
        gaps.append(f"the password of {d.smtp_user!r}: set the {PASSWORD} environment "
                    "variable")
    if gaps:
        raise UserError(_numbered(f"{'--send' if sending else '--dry-run'} needs", gaps,
                                  sep=" "))


# ------------------------------------------------------------------------------ recipients


def _reps_addresses(crm: Crm) -> pd.DataFrame:
    """Each rep's manager and the address given for them (None when empty)."""
    frame = crm.reps.select("rep_id", "manager", "manager_email").to_pandas()
    email = frame["manager_email"].astype("string").str.strip()
    return frame.assign(manager_email=email.where(email.fillna("") != "", None))


def _from_reps(manager: str, rows: pd.DataFrame, fix: str) -> tuple[str | None, list[str]]:
    """The address the reps of `manager` give, or the problems with theirs."""
    mine = rows[(rows["manager"] == manager) & rows["manager_email"].notna()]
    given = mine.groupby("manager_email", sort=True)["rep_id"].apply(list)
    if len(given) > 1:
        listed = "; ".join(f"{e} ({', '.join(map(str, reps))})" for e, reps in given.items())
        return None, [f"reps.manager_email: the reps of {manager} give {len(given)} addresses: "
                      f"{listed}; keep one, or {fix}"]
    if not len(given):
        return None, []
    found = address(str(given.index[0]))
    if found is None:
        return None, [f"reps.manager_email of {', '.join(map(str, given.iloc[0]))} "
                      f"({manager}): {given.index[0]!r} is not one e-mail address ({EXPECTED})"]
    return found, []


def _unknown(manager: str, known: list[str], where: str) -> str:
    hint = did_you_mean(manager, known)
    return (f"{where}: {manager!r} is not a manager of the workspace; "
            f"{hint + ' ' if hint else ''}managers: {', '.join(known)}")


def recipients(crm: Crm, manager: str | None, d: Delivery,
               settings: Settings) -> dict[str, str]:
    """The address of each manager whose brief is made (`manager`, else every manager):
    `[delivery.recipients]`, else their reps' `manager_email`. Every problem (an unknown
    manager in the map, reps who disagree, a bad or missing address) in one error, before
    the brief is made and anything is sent."""
    rows = _reps_addresses(crm)
    known = sorted({str(m) for m in rows["manager"].dropna()})
    if not known:
        raise UserError("the brief is mailed to each manager, and no rep has one: fill the "
                        "manager column of reps.csv and import it again")
    managers = [manager] if manager is not None else known
    where = f"{settings.path} [{SECTION_NAME}.recipients]"
    fix = f"set the manager's address in {where}"
    problems = [_unknown(m, known, where) for m in d.recipients if m not in known]
    found: dict[str, str] = {}
    missing = []
    for m in managers:
        if m in d.recipients:
            found[m] = d.recipients[m]
            continue
        addr, issues = _from_reps(m, rows, fix)
        problems += issues
        if addr:
            found[m] = addr
        elif not issues:
            missing.append(m)
    if missing:
        problems.append(f"no address for {', '.join(missing)}: add a manager_email column "
                        f"to reps.csv and import it again, or {fix}, e.g. "
                        f"\"{missing[0]}\" = \"name@example.com\"")
    if problems:
        raise UserError(_numbered("cannot address the brief; nothing was sent", problems))
    return found


def _numbered(head: str, lines: list[str], sep: str = ": ") -> str:
    """One problem after `head`, or several numbered below it."""
    if len(lines) == 1:
        return f"{head}{sep}{lines[0]}"
    return f"{head}:\n" + "\n".join(f"  {i}. {line}" for i, line in enumerate(lines, start=1))


# ------------------------------------------------------------------------------ sending


def _reason(exc: BaseException) -> str:
    """What the server or the network said."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{to} refused: {code} {_text(msg)}"
                         for to, (code, msg) in exc.recipients.items())
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def _text(message: bytes | str) -> str:
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)


def _refused(d: Delivery, exc: BaseException) -> UserError:
    """Why the session could not start, and what to check; nothing was sent."""
    server = f"the SMTP server {d.server}"
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return UserError(f"{server} refused the login of {d.smtp_user!r}: {_reason(exc)}; "
                         f"nothing was sent (check --smtp-user and {PASSWORD})")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        what = "STARTTLS" if "STARTTLS" in str(exc) else "a login (AUTH)"
        hint = "" if d.starttls or what == "STARTTLS" else "; if it needs STARTTLS first, " \
            "add --starttls"
        return UserError(f"{server} does not offer {what}{hint}; nothing was sent")
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return UserError(f"TLS with {server} failed: {_reason(exc)}; nothing was sent")
    if isinstance(exc, smtplib.SMTPResponseException):
        return UserError(f"{server} answered {_reason(exc)}; nothing was sent")
    return UserError(f"cannot reach {server}: {_reason(exc)}; nothing was sent (check "
                     "--smtp-host and --smtp-port)")


@contextlib.contextmanager
def session(d: Delivery, password: str | None) -> Iterator[smtplib.SMTP]:
    """One connection to the server, TLS started and logged in as configured; closed after."""
    try:
        smtp = smtplib.SMTP(str(d.smtp_host), d.port, timeout=d.timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise _refused(d, exc) from exc
    try:
        try:
            smtp.ehlo()
            if d.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if d.smtp_user:
                smtp.login(d.smtp_user, password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise _refused(d, exc) from exc
        yield smtp
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
        smtp.close()


def _stopped(letter: Letter, exc: BaseException, sent: list[Letter],
             letters: Sequence[Letter]) -> UserError:
    rest = [x.manager for x in letters[len(sent):]]
    return UserError(
        f"sending stopped at {letter.manager} ({letter.to}): {_reason(exc)}. "
        f"Sent: {', '.join(x.manager for x in sent) or 'none'}. Not sent: {', '.join(rest)}. "
        "Send the rest with funnelwise brief --send --manager NAME, one manager at a time")


def send(letters: Sequence[Letter], d: Delivery, *, password: str | None,
         say: Callable[[str], None]) -> None:
    """Send every letter over one session; `say` each one sent."""
    with session(d, password) as smtp:
        sent: list[Letter] = []
        for letter in letters:
            try:
                smtp.send_message(letter.message)
            except (OSError, smtplib.SMTPException) as exc:
                raise _stopped(letter, exc, sent, letters) from exc
            sent.append(letter)
            say(f"sent to {letter.manager}: {letter.to}")


def password_of(environ: Mapping[str, str] = os.environ) -> str | None:
    return environ.get(PASSWORD) or None


def write_letters(letters: Sequence[Letter], folder: Path, names: Sequence[str]) -> list[Path]:
    """Each letter as an .eml file in `folder` (created), named by `names`."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / n for n in names]
        for letter, path in zip(letters, paths, strict=True):
            path.write_bytes(letter.message.as_bytes())
    except OSError as exc:
        raise UserError(f"--dry-run {folder}: cannot write there: {exc.strerror}") from exc
    return paths
