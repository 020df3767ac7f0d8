"""Sharing the dashboard with a team: Host names, the token and its login link, the security
headers, and requests served side by side (a slow page holds up no other)."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app as cli
from funnelwise.web import app as app_module
from funnelwise.web import security
from funnelwise.web.app import create_app
from funnelwise.web.views import PAGES
from tests.web.browser import WIDTHS, Watched, free_port, serving

TOKEN = "team-secret-4f9c"
HEADERS = {"x-frame-options": "DENY", "x-content-type-options": "nosniff",
           "referrer-policy": "no-referrer"}
SERVE = ("import sys; sys.argv[0] = 'funnelwise'; from funnelwise.cli.main import run; run()")


async def _get(app: Any, url: str, host: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=f"http://{host}") as client:
        return await client.get(url, **kwargs)


def get(app: Any, url: str, *, host: str = "127.0.0.1:8765", **kwargs: Any) -> httpx.Response:
    """One request into the app in process, as a browser at `host` sends it."""
    return asyncio.run(_get(app, url, host, **kwargs))


@pytest.fixture(scope="module")
def local(org_path: Path) -> Any:
    """The app as `funnelwise serve` builds it on loopback with no token."""
    return create_app(org_path, guard=security.Guard.serving("127.0.0.1"))


@pytest.fixture(scope="module")
def guarded(org_path: Path) -> Any:
    """The app as `funnelwise serve --token TOKEN` builds it."""
    return create_app(org_path, guard=security.Guard.serving("127.0.0.1", token=TOKEN))


# ------------------------------------------------------------------ Host names


def test_a_host_not_served_gets_400(local):
    page = get(local, "/", host="attacker.test")
    api = get(local, "/api/overview", host="attacker.test:8765")

    assert page.status_code == api.status_code == 400
    assert "Host attacker.test is not served here" in page.text
    body = api.json()
    assert set(body) == {"ok", "status", "title", "error"} and body["ok"] is False
    assert body["error"].startswith("Host attacker.test is not served here")


@pytest.mark.parametrize("host", ["127.0.0.1:8765", "localhost:8765", "[::1]:8765", "LOCALHOST"])
def test_loopback_names_are_served_on_loopback(local, host):
    assert get(local, "/api", host=host).status_code == 200


def test_allowed_names_and_this_machines_names_when_bound_to_every_address():
    guard = security.Guard.serving("0.0.0.0", allow=["dash.example.com"], token=TOKEN)

    assert guard.serves("dash.example.com:8765") and guard.serves("DASH.example.com")
    assert guard.serves("localhost:8765")
    assert all(guard.serves(name) for name in security.machine_names())
    assert not guard.serves("attacker.test") and not guard.serves("")
    assert not security.Guard.serving("10.1.2.3", token=TOKEN).serves("localhost")
    assert security.Guard.serving("::1").serves("[::1]:8765")


# ------------------------------------------------------------------ the token


def test_serving_off_loopback_without_a_token_exits_2(org_path):
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(org_path),
                                      "--host", "0.0.0.0"], env={"FUNNELWISE_TOKEN": None})

    assert result.exit_code == 2, result.output
    assert "--token" in result.output and "FUNNELWISE_TOKEN" in result.output


def test_loopback_without_a_token_needs_none(local):
    assert get(local, "/api/overview").status_code == 200


def test_requests_without_the_token_get_401(guarded):
    api = get(guarded, "/api/overview")
    wrong = get(guarded, "/api/overview", headers={"Authorization": "Bearer nope"})
    page = get(guarded, "/plan")

    assert api.status_code == wrong.status_code == page.status_code == 401
    assert api.json()["title"] == "Unauthorized" and set(api.json()) == {
        "ok", "status", "title", "error"}
    assert api.headers["www-authenticate"].startswith("Bearer")
    assert page.headers["content-type"].startswith("text/html")
    assert "/login?token=" in page.text and "Authorization: Bearer" in page.text


def test_the_bearer_header_or_the_cookie_lets_a_request_in(guarded):
    bearer = get(guarded, "/api/overview", headers={"Authorization": f"Bearer {TOKEN}"})
    cookie = get(guarded, "/api/overview",
                 headers={"Cookie": f"{security.COOKIE}={security.cookie_value(TOKEN)}"})

    assert bearer.status_code == cookie.status_code == 200
    assert bearer.json() == cookie.json()


def test_assets_need_no_token(guarded):
    for url in ("/static/style.css", "/static/resize.js", "/favicon.ico"):
        assert get(guarded, url).status_code == 200, url


def test_the_login_link_sets_a_strict_http_only_cookie(guarded):
    login = get(guarded, f"/login?token={TOKEN}")
    bad = get(guarded, "/login?token=guess")

    assert login.status_code == 303 and login.headers["location"] == "/"
    cookie = login.headers["set-cookie"]
    assert cookie.startswith(f"{security.COOKIE}={security.cookie_value(TOKEN)};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert TOKEN not in cookie
    assert bad.status_code == 401 and "set-cookie" not in bad.headers


def test_a_page_reached_from_another_site_is_asked_for_once_more(guarded):
    """The SameSite=Strict cookie is not sent on a link from another site: the 401 asks the
    browser to load the page again from here (with the cookie, if it has one)."""
    across = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    first = get(guarded, "/plan", headers=across)
    again = get(guarded, "/plan", headers={**across, "Sec-Fetch-Site": "same-origin"})

    assert first.status_code == again.status_code == 401
    assert first.headers["refresh"] == "0" and "refresh" not in again.headers


def test_tokens_are_compared_whole():
    assert security.same_secret(TOKEN, TOKEN)
    assert not security.same_secret(TOKEN[:-1], TOKEN)
    assert not security.same_secret(TOKEN + "x", TOKEN)
    assert not security.same_secret("", TOKEN)


def serve_process(workspace: Path, port: int, *args: str) -> subprocess.Popen[str]:
    """`funnelwise serve` as a user starts it, on 127.0.0.1:`port`."""
    env = {k: v for k, v in os.environ.items() if k != "FUNNELWISE_TOKEN"}
    return subprocess.Popen(
        [sys.executable, "-c", SERVE, "serve", "--workspace", str(workspace), "--port",
         str(port), *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**env, "PYTHONUNBUFFERED": "1", "COLUMNS": "40"})


@pytest.fixture(scope="module")
def served(org_path: Path) -> Iterator[tuple[str, str]]:
    """A real `funnelwise serve --token TOKEN`: its base URL and its login link."""
    port = free_port()
    process = serve_process(org_path, port, "--token", TOKEN)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(2)]
        link = re.search(r"http://\S+/login\?token=\S+", "".join(lines))
        assert link, lines
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/static/style.css", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None, lines
                time.sleep(0.2)
        yield base, link.group(0)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_a_real_server_prints_its_login_link_and_checks_the_token(served):
    base, link = served
    assert link == f"{base}/login?token={TOKEN}"
    with httpx.Client(base_url=base, timeout=60) as anonymous:
        assert anonymous.get("/api/overview").status_code == 401
        assert anonymous.get("/").status_code == 401
    with httpx.Client(base_url=base, timeout=60,
                      headers={"Authorization": f"Bearer {TOKEN}"}) as api:
        assert api.get("/api/overview").json()["ok"] is True
    with httpx.Client(timeout=60, follow_redirects=True) as browser_like:
        page = browser_like.get(link)
        assert page.status_code == 200 and str(page.url) == base + "/"
        assert "Plotly.newPlot" in page.text
        assert browser_like.get(base + "/api/overview").status_code == 200  # the cookie


# ------------------------------------------------------------------ headers


def check_headers(response: httpx.Response) -> str:
    """The response's policy, once its other security headers are checked."""
    for name, value in HEADERS.items():
        assert response.headers[name] == value, (response.url, name)
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert "unsafe-eval" not in policy and "http" not in policy
    return policy


@pytest.mark.parametrize("url", ["/", "/api/overview", "/static/style.css",
                                 "/static/resize.js", "/favicon.ico", "/nowhere",
                                 "/api/nowhere", "/reps/nobody", "/?since=nope"])
def test_security_headers_on_every_response(local, url):
    check_headers(get(local, url))


def test_security_headers_on_plotly_and_on_refusals(local, guarded):
    from funnelwise.web.render import PLOTLY_PATH

    check_headers(get(local, PLOTLY_PATH))
    check_headers(get(local, "/", host="attacker.test"))
    check_headers(get(guarded, "/api/overview"))
    check_headers(get(guarded, f"/login?token={TOKEN}"))


def sha256(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def test_the_policy_allows_exactly_the_pages_own_inline_scripts(local):
    for page in ("/", "/reps/ana", "/plan"):
        response = get(local, page)
        policy = check_headers(response)
        scripts = re.findall(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", response.text,
                             re.DOTALL)
        assert sum("Plotly.newPlot" in s for s in scripts) >= 2
        allowed = set(re.findall(r"'(sha256-[^']+)'", policy))
        assert allowed == {sha256(s) for s in scripts}


def test_a_script_the_server_did_not_write_is_not_allowed():
    """Only the charts' scripts and the templates' own are hashed into the policy: a script
    in a page by any other way (a value in the data) gets no hash."""
    chart = '<div id="c"></div><script type="text/javascript">Plotly.newPlot("c", [])</script>'
    policy = security.policy([chart])

    assert "'" + sha256('Plotly.newPlot("c", [])') + "'" in policy
    assert sha256("window.injected = 1") not in policy
    assert policy.count("'sha256-") == 1 + len(security.template_scripts())


def test_pages_load_nothing_from_elsewhere(local):
    html = get(local, "/").text
    sources = re.findall(r'(?:src|href|action)="([^"]*)"', html)
    assert sources
    assert all(s.startswith(("/", "#", "?", "data:")) for s in sources), sources


# ------------------------------------------------------------------ concurrency


def test_concurrent_requests_get_what_one_at_a_time_gets(org_path, monkeypatch):
    """Eight threads asking for the same pages at once, on an app with nothing kept: every
    answer is the one a lone request gets, and each page's data is computed once."""
    urls = ["/api/overview", "/", "/api/reps/ana", "/reps/ana"]
    alone = create_app(org_path)
    expected = {u: get(alone, u).text for u in urls}
    built: list[str] = []
    overview = next(p for p in PAGES if p.name == "overview")

    def counted(ctx: Any) -> Any:
        built.append("overview")
        return overview.build(ctx)

    monkeypatch.setattr(app_module, "PAGES", tuple(
        dataclasses.replace(p, build=counted) if p is overview else p for p in PAGES))
    busy = create_app(org_path)
    answers: dict[tuple[int, str], str] = {}

    def client(index: int) -> None:
        for url in urls[index % len(urls):] + urls[:index % len(urls)]:
            answers[index, url] = get(busy, url).text

    threads = [threading.Thread(target=client, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(answers) == 8 * len(urls)
    assert [k for k, text in answers.items() if text != expected[k[1]]] == []
    assert built == ["overview"]


def test_a_slow_page_holds_up_no_other(org_path, monkeypatch):
    """While one request computes a slow page (held until the test lets it go), another
    page is answered at once."""
    started, release = threading.Event(), threading.Event()
    overview = next(p for p in PAGES if p.name == "overview")

    def slow_build(ctx: Any) -> Any:
        started.set()
        release.wait(60)
        return overview.build(ctx)

    slow = dataclasses.replace(overview, name="slow", route="/slow", api_route="/slow",
                               build=slow_build, in_nav=False)
    monkeypatch.setattr(app_module, "PAGES", (*PAGES, slow))
    with serving(create_app(org_path)) as base:
        httpx.get(base + "/api/overview", timeout=60)  # computed once beforehand
        slow_answer: dict[str, Any] = {}
        waiting = threading.Thread(target=lambda: slow_answer.update(
            response=httpx.get(base + "/api/slow", timeout=120)))
        waiting.start()
        assert started.wait(60)
        start = time.perf_counter()
        other = httpx.get(base + "/api/overview", timeout=30)
        took = time.perf_counter() - start
        assert not slow_answer, "the slow page is still being computed"
        release.set()
        waiting.join(timeout=60)
    assert other.status_code == 200 and took < 5, took
    assert slow_answer["response"].status_code == 200


# ------------------------------------------------------------------ in a browser


@pytest.fixture(scope="module")
def guarded_url(browser: Any, guarded: Any) -> Iterator[str]:
    with serving(guarded) as url:
        yield url


@pytest.mark.browser
def test_login_link_in_a_browser_then_every_page_loads(browser, guarded_url):
    context = browser.new_context(viewport=WIDTHS["desktop"])
    tab = Watched(context.new_page())
    tab.open(f"{guarded_url}/login?token={TOKEN}")
    assert tab.page.url == guarded_url + "/"
    cookie = next(c for c in context.cookies() if c["name"] == security.COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert tab.page.evaluate("document.cookie") == ""  # scripts cannot read it
    for path in ("/plan", "/reps/ana"):
        tab.open(guarded_url + path)
        total, drawn = tab.chart_counts()
        assert total >= 2 and drawn == total
    assert tab.errors == []
    context.close()


@pytest.mark.browser
def test_a_link_from_another_site_opens_the_page_for_a_browser_logged_in(browser, guarded_url):
    context = browser.new_context(viewport=WIDTHS["desktop"])
    context.new_page().goto(f"{guarded_url}/login?token={TOKEN}")
    tab = Watched(context.new_page())  # a blank page: not this site
    tab.page.set_content(f'<a href="{guarded_url}/plan">plan</a>')
    with tab.page.expect_navigation():
        tab.page.click("a")
    tab.wait_for_charts()
    assert tab.page.url == guarded_url + "/plan"
    context.close()

    stranger = browser.new_context(viewport=WIDTHS["desktop"])
    page = stranger.new_page()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/plan") else None)
    page.set_content(f'<a href="{guarded_url}/plan">plan</a>')
    page.click("a")
    page.wait_for_selector("section.error")
    time.sleep(1)
    assert "401" in page.text_content("section.error h1") and len(asked) == 2
    stranger.close()


@pytest.mark.browser
def test_the_policy_blocks_a_script_the_page_was_not_served_with(base_url, tabs):
    tab = tabs("desktop")
    tab.open(base_url + "/")
    ran = tab.page.evaluate("""() => {
      const s = document.createElement('script');
      s.textContent = 'window.injected = 1';
      document.body.appendChild(s);
      return window.injected === 1;
    }""")
    assert ran is False
    assert any("Content Security Policy" in e for e in tab.errors)
