"""`funnelwise brief --send` against a real SMTP server on loopback (aiosmtpd), on the demo.

Each test copies the demo workspace into its own folder, so the funnelwise.toml it writes
beside it is its own. Addresses come from `[delivery.recipients]`, or from a reps.csv with a
`manager_email` column imported into the copy.
"""

from __future__ import annotations

import dataclasses
import doctest
import email
import email.policy
import re
import shutil
import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from typer.testing import CliRunner

from funnelwise.cli.delivery import Delivery, recipients, session
from funnelwise.cli.main import app
from funnelwise.errors import UserError
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.settings import read_settings
from funnelwise.io.workspace import Workspace
from funnelwise.presentation import mail

runner = CliRunner()
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
ADDRESSES = {"Abigail King": "abigail@example.com", "Harper Hall": "harper@example.com",
             "Lars Hill": "lars@example.com"}
SENDER = "Sales briefs <briefs@example.com>"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    """What the server accepted; `refuse` lists recipients it answers 550 to."""

    messages: list[EmailMessage] = field(default_factory=list)
    refuse: tuple[str, ...] = ()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content,
                                                      policy=email.policy.default))
        return "250 OK"


def checker(user: str, password: str) -> Any:
    """An authenticator accepting only `user` with `password`."""
    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                     data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(), password.encode())
        return AuthResult(success=ok, handled=False)
    return authenticate


@pytest.fixture
def smtp():
    """Start an aiosmtpd server on 127.0.0.1: `smtp(inbox, **smtp_parameters)` -> port."""
    running: list[Controller] = []

    def start(inbox: Inbox, **params: Any) -> int:
        port = free_port()
        c = Controller(inbox, hostname="127.0.0.1", port=port, **params)
        c.start()
        running.append(c)
        return port

    yield start
    for c in running:
        c.stop()


@pytest.fixture
def ws(demo_ws: Path, tmp_path: Path) -> Path:
    """A copy of the demo workspace in a folder of its own."""
    folder = tmp_path / "ws"
    folder.mkdir()
    return Path(shutil.copy(demo_ws, folder / "demo.duckdb"))


def settings_file(ws: Path, text: str) -> None:
    (ws.parent / "funnelwise.toml").write_text(text, encoding="utf-8")


def delivery(port: int, addresses: dict[str, str] = ADDRESSES, extra: str = "") -> str:
    lines = [f'"{m}" = "{a}"' for m, a in addresses.items()]
    return (f'[delivery]\nsmtp_host = "127.0.0.1"\nsmtp_port = {port}\nfrom = "{SENDER}"\n'
            f"{extra}\n[delivery.recipients]\n" + "\n".join(lines) + "\n")


def brief(ws: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    return runner.invoke(app, ["brief", "--workspace", str(ws), *args],
                         env={"FUNNELWISE_SMTP_PASSWORD": "", **(env or {})})


def demo_reps(ws: Path) -> dict[str, tuple[str, str]]:
    """rep_id -> (name, manager), read straight from the workspace file."""
    with duckdb.connect(str(ws), read_only=True) as con:
        rows = con.execute("SELECT rep_id, name, manager FROM reps").fetchall()
    return {r: (n, m) for r, n, m in rows}


def parts(msg: EmailMessage) -> dict[str, str]:
    assert msg.get_content_type() == "multipart/alternative"
    return {p.get_content_type(): p.get_content() for p in msg.iter_parts()}


def test_send_delivers_one_message_per_manager_naming_only_their_reps(ws, smtp):
    inbox = Inbox()
    settings_file(ws, delivery(smtp(inbox)))
    result = brief(ws, "--send")
    assert result.exit_code == 0, result.output
    assert "3 briefs for the week of 2026-06-22 sent through 127.0.0.1:" in result.output
    by_manager = {str(m["To"]): m for m in inbox.messages}
    assert sorted(by_manager) == sorted(ADDRESSES.values())
    reps = demo_reps(ws)
    for manager, to in ADDRESSES.items():
        msg = by_manager[to]
        assert msg["Subject"] == f"Monday brief, week of 2026-06-22: {manager}"
        assert msg["From"] == SENDER
        body = parts(msg)
        assert set(body) == {"text/plain", "text/html"}
        for kind, text in body.items():
            named = {r for r, (name, _) in reps.items() if f"({r})" in text or name in text}
            assert named, f"{manager}'s {kind} names no rep"
            assert {reps[r][1] for r in named} == {manager}, (manager, kind, named)
            others = [m for m in ADDRESSES if m != manager]
            assert not [m for m in others if m in text]
        assert f"## {manager} (" in body["text/plain"]
        assert "### Calls for 2026-Q3" in body["text/plain"]
        assert "<h3>Calls for 2026-Q3</h3>" in body["text/html"]
        assert "`" not in body["text/html"]
        assert "<code>funnelwise coach --week 2026-06-22</code>" in body["text/html"]
        for kind, text in body.items():
            assert every_rep_by_name(text, reps), (manager, kind)


def every_rep_by_name(text: str, reps: dict[str, tuple[str, str]]) -> bool:
    """Each rep id in `text` (tags and bold marks aside) reads 'Name (id)', never bare."""
    plain = re.sub(r"<[^>]+>|\*\*", "", text)
    ids = re.findall(r"\bR\d{3}\b", plain)
    return bool(ids) and all(f"{reps[r][0]} ({r})" in plain for r in ids) and \
        len(re.findall(r"\bR\d{3}\b", plain)) == len(re.findall(r"\(R\d{3}\)", plain))


def test_a_refused_login_exits_2_and_sends_nothing(ws, smtp):
    inbox = Inbox()
    port = smtp(inbox, authenticator=checker("briefs", "right"), auth_required=True,
                auth_require_tls=False)
    settings_file(ws, delivery(port, extra='smtp_user = "briefs"'))
    result = brief(ws, "--send", env={"FUNNELWISE_SMTP_PASSWORD": "wrong"})
    assert result.exit_code == 2
    assert f"the SMTP server 127.0.0.1:{port} refused the login of 'briefs': 535" in \
        result.output
    assert "nothing was sent" in result.output
    assert inbox.messages == []


def test_an_unreachable_server_exits_2_and_sends_nothing(ws, tmp_path):
    port = free_port()  # nothing listens there
    settings_file(ws, delivery(port))
    result = brief(ws, "--send")
    assert result.exit_code == 2
    assert f"cannot reach the SMTP server 127.0.0.1:{port}: Connection refused" in \
        result.output
    assert "nothing was sent" in result.output
    assert "sent to" not in result.output


def test_a_failure_midway_names_who_was_sent_and_who_was_not(ws, smtp):
    inbox = Inbox(refuse=("lars@example.com",))
    settings_file(ws, delivery(smtp(inbox)))
    result = brief(ws, "--send")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "sending stopped at Lars Hill (lars@example.com): lars@example.com refused: 550" \
        in text
    assert "Sent: Abigail King, Harper Hall. Not sent: Lars Hill." in text
    assert [str(m["To"]) for m in inbox.messages] == ["abigail@example.com",
                                                       "harper@example.com"]


def test_dry_run_writes_eml_files_and_sends_nothing(ws, smtp, tmp_path):
    inbox = Inbox()
    settings_file(ws, delivery(smtp(inbox)))
    outbox = tmp_path / "outbox"
    result = brief(ws, "--send", "--dry-run", str(outbox))
    assert result.exit_code == 0, result.output
    assert "nothing sent" in result.output
    assert inbox.messages == []
    files = sorted(p.name for p in outbox.iterdir())
    assert files == ["2026-06-22-abigail-king.eml", "2026-06-22-harper-hall.eml",
                     "2026-06-22-lars-hill.eml"]
    msg = email.message_from_bytes((outbox / files[1]).read_bytes(),
                                   policy=email.policy.default)
    assert msg["To"] == "harper@example.com" and msg["From"] == SENDER
    assert set(parts(msg)) == {"text/plain", "text/html"}


def test_a_missing_recipient_is_named_before_anything_is_sent(ws, smtp):
    inbox = Inbox()
    addresses = {m: a for m, a in ADDRESSES.items() if m != "Lars Hill"}
    settings_file(ws, delivery(smtp(inbox), addresses))
    result = brief(ws, "--send")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "cannot address the brief; nothing was sent: no address for Lars Hill" in text
    assert "manager_email" in text and "[delivery.recipients]" in text
    assert inbox.messages == []


def test_addresses_from_reps_manager_email_and_a_login_with_the_password(ws, smtp, tmp_path):
    """reps.csv with manager_email imported into the workspace; no recipients map; the
    server requires a login and accepts the password from FUNNELWISE_SMTP_PASSWORD."""
    folder = tmp_path / "reps"
    folder.mkdir()
    rows = ["rep_id,name,manager,team,region,manager_email"] + [
        f"{r},{n},{m},,,{ADDRESSES[m]}" for r, (n, m) in demo_reps(ws).items()]
    (folder / "reps.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    with Workspace(ws) as w:
        run_import(w, [folder], presets.get("canonical"))
    inbox = Inbox()
    port = smtp(inbox, authenticator=checker("briefs", "s3cret"), auth_required=True,
                auth_require_tls=False)
    settings_file(ws, delivery(port, {}))
    result = brief(ws, "--send", "--manager", "Harper Hall", "--smtp-user", "briefs",
                   env={"FUNNELWISE_SMTP_PASSWORD": "s3cret"})
    assert result.exit_code == 0, result.output
    assert [str(m["To"]) for m in inbox.messages] == ["harper@example.com"]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl command."""
    if not shutil.which("openssl"):
        pytest.skip("the openssl command makes the test certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_starttls_before_the_login(ws, smtp, tmp_path, monkeypatch):
    """The server offers AUTH only after STARTTLS: without --starttls the login is refused
    with a hint, with an untrusted certificate TLS fails, with a trusted one it is sent."""
    cert, key = self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = smtp(inbox, tls_context=context, require_starttls=True,
                authenticator=checker("briefs", "s3cret"), auth_required=True)
    d = Delivery(smtp_host="127.0.0.1", smtp_port=port, smtp_user="briefs")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    with pytest.raises(UserError, match=re.escape("does not offer a login (AUTH); if it needs "
                                                  "STARTTLS first, add --starttls; nothing "
                                                  "was sent")), \
            session(d, "s3cret"):
        pass
    with pytest.raises(UserError, match=f"TLS with the SMTP server 127.0.0.1:{port} failed: "
                                        ".*certificate verify failed.*nothing was sent"), \
            session(dataclasses.replace(d, starttls=True), "s3cret"):
        pass
    settings_file(ws, delivery(port, extra='smtp_user = "briefs"'))
    env = {"FUNNELWISE_SMTP_PASSWORD": "s3cret", "SSL_CERT_FILE": str(cert)}
    result = brief(ws, "--send", "--manager", "Lars Hill", "--starttls", env=env)
    assert result.exit_code == 0, result.output
    assert [str(m["To"]) for m in inbox.messages] == ["lars@example.com"]


@pytest.mark.parametrize(("toml", "expected"), [
    ('[delivery]\nsmtp_hots = "x"\n', "[delivery]: unknown key 'smtp_hots'; did you mean "
                                      "'smtp_host'?"),
    ('[delivry]\nsmtp_host = "x"\n', "unknown table [delivry]; did you mean 'delivery'?"),
    ('[delivery]\npassword = "x"\n', "password is never read from a file"),
    ('[delivery]\nfrom = "briefs"\n', "from is not one e-mail address"),
    ('[delivery]\nsmtp_port = 70000\n', "smtp_port must be at most 65535, got 70000"),
    ('[delivery.recipients]\n"Harper Hal" = "h@example.com"\n',
     "'Harper Hal' is not a manager of the workspace; did you mean 'Harper Hall'?"),
    ('[delivery.recipients]\n"Harper Hall" = "harper"\n',
     "recipients.Harper Hall is not one e-mail address"),
])
def test_settings_mistakes_are_named_before_anything_is_made(ws, toml, expected):
    settings_file(ws, toml)
    result = brief(ws, "--send", "--smtp-host", "127.0.0.1", "--from", "b@example.com")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert expected in text
    assert str(ws.parent / "funnelwise.toml") in text


def test_send_needs_a_server_a_sender_and_the_password(ws):
    result = brief(ws, "--send", "--smtp-user", "briefs")
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "--send needs:" in text
    for need in ("1. a sender: --from ADDRESS", "2. an SMTP server: --smtp-host HOST",
                 "3. the password of 'briefs': set the FUNNELWISE_SMTP_PASSWORD"):
        assert need in text


def test_reps_who_disagree_on_their_manager_s_address_are_named(ws, tmp_path):
    folder = tmp_path / "reps"
    folder.mkdir()
    (folder / "reps.csv").write_text("rep_id,manager,manager_email\nR008,Harper Hall,"
                                     "harper@example.com\nR009,Harper Hall,hh@example.com\n")
    with Workspace(ws) as w:
        run_import(w, [folder], presets.get("canonical"))
        crm = w.crm()
        with pytest.raises(UserError) as err:
            recipients(crm, "Harper Hall", Delivery(), read_settings(ws))
    assert ("the reps of Harper Hall give 2 addresses: harper@example.com (R008); "
            "hh@example.com (R009)") in str(err.value)


def test_a_workspace_older_than_manager_email_reads_the_recipients_map(ws):
    with duckdb.connect(str(ws)) as con:
        con.execute("ALTER TABLE reps DROP COLUMN manager_email")
    with Workspace(ws, read_only=True) as w:
        found = recipients(w.crm(), None, Delivery(recipients=ADDRESSES), read_settings(ws))
        assert found == ADDRESSES
        with pytest.raises(UserError, match="no address for Abigail King, Harper Hall, "
                                            "Lars Hill"):
            recipients(w.crm(), None, Delivery(), read_settings(ws))


def test_mail_doctests():
    assert doctest.testmod(mail).failed == 0
