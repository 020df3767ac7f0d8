"""One workspace, several processes: the dashboard and read commands hold the file only while
they read, so an import can write while `funnelwise serve` runs; an open that finds the file
held waits, then names the process holding it."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app as cli
from funnelwise.io import presets, workspace
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import (
    Workspace,
    WorkspaceBusy,
    command_line,
    describe_process,
    lock_holder,
)
from funnelwise.web import reading
from funnelwise.web.app import create_app
from tests.conftest import TINY
from tests.web.browser import free_port
from tests.web.conftest import Client

SCRIPT = Path(sys.executable).parent / "funnelwise"
# Holds a write connection until its stdin closes, then for one second more.
HOLD = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('holding', "
        "flush=True); sys.stdin.read(); time.sleep(1)")
DEE = {  # a new rep and a deal she won: the overview's win rates by rep then name her
    "reps.csv": "rep_id,name,manager,team,region\ndee,Dee Quinn,Mia Lund,North,East\n",
    "opportunities.csv": "opportunity_id,owner_rep_id,account_id,lead_id,source,product,"
    "created_at,stage,amount,expected_close_date,status,closed_at\n"
    "d1,dee,acme,,inbound,Core,2026-01-20,Closed Won,300,2026-02-20,won,2026-02-18\n",
}


def funnelwise(*args: str) -> list[str]:
    """The console command, as a user runs it."""
    if SCRIPT.exists():
        return [str(SCRIPT), *args]
    return [sys.executable, "-c", "import sys; sys.argv[0] = 'funnelwise'; "
            "from funnelwise.cli.main import run; run()", *args]


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def tiny_path(tmp_path: Path) -> Path:
    """A workspace made from tests/fixtures/tiny by `funnelwise import`."""
    path = tmp_path / "tiny.duckdb"
    result = CliRunner().invoke(cli, ["import", str(TINY), "--workspace", str(path)])
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture
def more(tmp_path: Path) -> Path:
    """An export with one rep the tiny workspace does not have, and her won deal."""
    folder = tmp_path / "more"
    folder.mkdir()
    for name, text in DEE.items():
        (folder / name).write_text(text)
    return folder


@pytest.fixture
def holder(tiny_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding a write connection to the workspace, until its stdin closes."""
    process = subprocess.Popen([sys.executable, "-c", HOLD, str(tiny_path)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline() == "holding\n"
        yield process
    finally:
        process.kill()
        process.wait()


@pytest.fixture
def served(tiny_path: Path, tmp_path: Path) -> Iterator[str]:
    """`funnelwise serve` on the tiny workspace, on a free loopback port; yields its URL."""
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen(
        funnelwise("serve", "--workspace", str(tiny_path), "--port", str(port)),
        stdout=log, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            try:
                httpx.get(url + "/api", timeout=5)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        yield url
    finally:
        stop(process)
        log.close()


def rep_ids(url: str) -> set[str]:
    response = httpx.get(url + "/api/overview", timeout=60)
    assert response.status_code == 200, response.text
    return {r["rep_id"] for r in response.json()["reps"]}


def test_an_import_runs_while_the_dashboard_serves_and_the_next_page_shows_it(served, tiny_path,
                                                                              more):
    page = httpx.get(served + "/", timeout=60)
    assert page.status_code == 200 and "Ana Ortiz" in page.text
    assert "Dee Quinn" not in page.text
    assert rep_ids(served) == {"ana", "ben", "cy"}

    done = subprocess.run(funnelwise("import", str(more), "--workspace", str(tiny_path)),
                          capture_output=True, text=True, timeout=120, check=False)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "waiting" not in done.stderr
    assert "Dee Quinn" in httpx.get(served + "/", timeout=60).text
    assert rep_ids(served) == {"ana", "ben", "cy", "dee"}


def test_an_import_gives_up_naming_the_process_that_holds_the_workspace(holder, tiny_path,
                                                                         more):
    started = time.monotonic()
    done = subprocess.run(
        funnelwise("import", str(more), "--workspace", str(tiny_path), "--wait", "1"),
        capture_output=True, text=True, timeout=60, check=False)

    assert done.returncode == 2, done.stdout + done.stderr
    assert time.monotonic() - started < 20  # a second of waiting plus starting Python
    assert "waiting up to 1 s" in done.stderr
    assert "is held by `python" in done.stderr
    assert f"(PID {holder.pid}), still after 1 s" in done.stderr
    assert "--wait SECONDS" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_import_waits_for_the_holder_to_let_go(holder, tiny_path, more):
    importing = subprocess.Popen(
        funnelwise("import", str(more), "--workspace", str(tiny_path), "--wait", "10"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert importing.stderr is not None
        said = importing.stderr.readline()
        assert "is in use by `python" in said and f"(PID {holder.pid})" in said, said
        assert "waiting up to 10 s for it to close" in said
        assert holder.stdin is not None
        holder.stdin.close()  # the holder exits about a second later
        out, err = importing.communicate(timeout=60)
    finally:
        stop(importing)

    assert importing.returncode == 0, out + err
    with Workspace(tiny_path, read_only=True) as ws:
        assert ws.counts()["reps"] == 4


def test_a_read_command_says_who_writes_instead_of_a_traceback(holder, tiny_path):
    result = CliRunner().invoke(cli, ["winrates", "--workspace", str(tiny_path)])

    assert result.exit_code == 2, result.output
    assert "is being written by `python" in result.output
    assert f"(PID {holder.pid})" in result.output
    assert "try again when it has finished" in result.output


def test_a_page_answers_503_while_an_import_writes(holder, tiny_path):
    client = Client(create_app(tiny_path, wait=0.5))

    api = client.get("/api/overview")
    page = client.get("/")

    assert api.status_code == page.status_code == 503
    assert api.headers["retry-after"] == page.headers["retry-after"] == "5"
    body = api.json()
    assert body["ok"] is False and body["title"] == "Busy"
    assert f"(PID {holder.pid})" in body["error"] and "being written by" in body["error"]
    assert "try again when it has finished" in page.text


def test_a_page_seen_again_opens_nothing_and_an_import_shows_at_once(tiny_path, more,
                                                                     monkeypatch):
    opened: list[Path] = []

    class Counted(Workspace):
        def __init__(self, path: Path, **kwargs: Any) -> None:
            opened.append(path)
            super().__init__(path, **kwargs)

    monkeypatch.setattr(reading, "Workspace", Counted)
    client = Client(create_app(tiny_path))
    assert client.get("/").status_code == 200
    assert len(opened) == 1
    first = client.json("/api/overview")  # the HTML page's data, kept: nothing to open
    assert client.json("/api/overview") == first
    assert len(opened) == 1

    with Workspace(tiny_path) as ws:  # no connection is left open between requests
        run_import(ws, [more], presets.get("canonical"))

    assert {r["rep_id"] for r in client.json("/api/overview")["reps"]} == {
        "ana", "ben", "cy", "dee"}
    assert len(opened) == 2


def test_the_holder_is_named_by_its_command_line():
    assert command_line(["/w/.venv/bin/python", "/w/.venv/bin/funnelwise", "serve",
                         "--workspace", "demo.duckdb"]) == \
        "funnelwise serve --workspace demo.duckdb"
    code = "import duckdb; duckdb.connect('a')"
    assert command_line(["/usr/bin/python3", "-c", code]) == f'python3 -c "{code}"'
    assert command_line(["/bin/duckdb", "my data.duckdb"], width=12) == 'duckdb "m...'
    me = describe_process(os.getpid())
    assert me.startswith("`") and me.endswith(f"` (PID {os.getpid()})")
    assert describe_process(2**22 + 7, "/usr/bin/python3.11") == \
        f"python3.11 (PID {2**22 + 7})"
    assert describe_process(2**22 + 7) == f"PID {2**22 + 7}"
    message = ('IO Error: Could not set lock on file "/w/a.duckdb": Conflicting lock is held in '
               '/usr/bin/python3.11 (PID 4194311). See also https://duckdb.org/docs')
    assert lock_holder(RuntimeError(message)) == "python3.11 (PID 4194311)"
    assert lock_holder(RuntimeError("IO Error: disk full")) is None


def test_an_open_gives_up_after_its_wait(holder, tiny_path):
    started = time.monotonic()
    told: list[str] = []
    with pytest.raises(WorkspaceBusy) as info:
        Workspace(tiny_path, wait=0.5, on_wait=told.append)

    assert 0.5 <= time.monotonic() - started < 5
    assert len(told) == 1 and told[0].startswith(f"workspace {tiny_path} is in use by")
    assert info.value.holder.endswith(f"(PID {holder.pid})")
    assert workspace.stamp(tiny_path)  # the file is there, untouched
