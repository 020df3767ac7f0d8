"""Helpers for the end-to-end tests: Chromium via Playwright, a live server, chart checks."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

CHROMIUM = Path(os.environ.get("FUNNELWISE_CHROMIUM", "/usr/bin/chromium"))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
MISSING = (f"Chromium not found at {CHROMIUM}: run `make browser` (scripts/setup-browser.sh) "
           "to install it; browser tests skipped")

ALL_CHARTS_DRAWN = """() => {
  const divs = [...document.querySelectorAll('.plotly-graph-div')];
  return divs.length > 0 && divs.every(d => d.classList.contains('js-plotly-plot')
                                          && d.querySelector('svg.main-svg'));
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """Run `app` with uvicorn on 127.0.0.1 in a background thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class Watched:
    """A browser page that records console errors, uncaught exceptions and requests."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("request", lambda r: self.requests.append(r.url))

    def open(self, url: str) -> None:
        """Load `url` and wait for its charts; errors and requests are recorded afresh."""
        self.errors.clear()
        self.requests.clear()
        self.page.goto(url, wait_until="load")
        self.wait_for_charts()

    def wait_for_charts(self) -> None:
        self.page.wait_for_function(ALL_CHARTS_DRAWN, timeout=60_000)

    def chart_counts(self) -> tuple[int, ...]:
        """(chart containers, charts with an SVG drawn)."""
        return tuple(self.page.evaluate("""() => {
          const divs = [...document.querySelectorAll('.plotly-graph-div')];
          return [divs.length, divs.filter(d => d.matches('.js-plotly-plot')
                                                && d.querySelector('svg')).length];
        }"""))

    def overflows(self) -> bool:
        """True when the page is wider than the screen (sideways scrolling)."""
        return bool(self.page.evaluate(
            "document.documentElement.scrollWidth > window.innerWidth + 1"))

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path
