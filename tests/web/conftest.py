"""Fixtures for the dashboard: a generated workspace, the app, an in-process ASGI client."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.web.app import create_app
from tests.web.browser import ARGS, CHROMIUM, MISSING, WIDTHS, Watched, serving
from tests.web.orgdata import write_org


class Client:
    """Synchronous calls into the ASGI app, in process (no server, no sockets)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def get(self, url: str) -> httpx.Response:
        return asyncio.run(self._get(url))

    async def _get(self, url: str) -> httpx.Response:
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.get(url)

    def json(self, url: str, status: int = 200) -> Any:
        response = self.get(url)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/json")
        return response.json()


@pytest.fixture(scope="session")
def org_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding the generated six-rep org."""
    root = tmp_path_factory.mktemp("web")
    path = root / "org.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [write_org(root / "csv")], presets.get("canonical"))
    return path


@pytest.fixture(scope="module")
def app(org_path: Path) -> Any:
    return create_app(org_path)


@pytest.fixture(scope="module")
def client(app: Any) -> Client:
    return Client(app)


@pytest.fixture(scope="module")
def browser() -> Any:
    """Headless Debian Chromium driven by Playwright (skipped, loudly, when missing)."""
    if not CHROMIUM.exists():
        pytest.skip(MISSING)
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def base_url(browser: Any, app: Any) -> Any:
    """The module's app served on 127.0.0.1."""
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def tabs(browser: Any) -> Any:
    """One tab per screen width, kept for the module so Plotly is compiled once per width."""
    made: dict[str, Any] = {}

    def tab(width: str) -> Watched:
        if width not in made:
            context = browser.new_context(viewport=WIDTHS[width])
            made[width] = (context, Watched(context.new_page()))
        return made[width][1]

    yield tab
    for context, _ in made.values():
        context.close()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say it loudly when the browser tests did not run."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "browser" in r.keywords]
    if skipped:
        reason = skipped[0].longrepr[2] if isinstance(skipped[0].longrepr, tuple) else ""
        terminalreporter.write_line(
            f"{len(skipped)} browser test(s) SKIPPED: {reason}", yellow=True, bold=True)
