"""The Data check page: the same record as `funnelwise check --format json`, as HTML and as its
JSON twin, on the generated org, the simulated org and Maven."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from funnelwise.web.app import create_app
from tests.conftest import MAVEN, needs
from tests.web.shared import Cached, cli_json

ENVELOPE = ("ok", "page", "filters", "title")


def body(client: Cached, url: str = "/api/check") -> dict[str, Any]:
    """The twin without what every page's twin carries (ok, page, filters) and its title."""
    return {k: v for k, v in client.json(url).items() if k not in ENVELOPE}


def cli(path: Path) -> Any:
    return cli_json("check", "--workspace", str(path))


@pytest.fixture(scope="module")
def cached(app: Any) -> Cached:
    return Cached(app)


@pytest.fixture(scope="module")
def simulated_client(simulated: Any) -> Cached:
    return Cached(create_app(simulated.path))


@pytest.fixture(scope="module")
def maven_client(maven_path: Path) -> Cached:
    return Cached(create_app(maven_path))


def test_twin_is_the_cli_json_at_both_defaults(cached, org_path):
    twin = cached.json("/api/check")
    assert (twin["ok"], twin["page"], twin["title"]) == (True, "check", "Data check")
    assert body(cached) == cli(org_path)


def test_filters_do_not_change_the_check(cached):
    scoped = cached.json("/api/check?team=South&since=2026-02-01")
    assert scoped["filters"]["team"] == "South"
    assert {k: v for k, v in scoped.items() if k not in ENVELOPE} == body(cached)


def test_page_shows_every_command_holding_and_chart(cached):
    response = cached.get("/check")
    assert response.status_code == 200
    html = response.text
    record = body(cached)
    assert html.count('class="plotly-graph-div"') == 2
    assert all(f"<code>{c['command']}</code>" in html for c in record["commands"])
    assert all(h["detail"] in html for h in record["holds"])
    assert 'href="/api/check' in html
    assert f"commands answer for {record['default_period']['label']}" in html


def test_every_page_links_to_the_check(cached):
    assert 'href="/check"' in cached.get("/").text
    assert [p["name"] for p in cached.json("/api")["pages"]][-2:] == ["check", "rep"]


def test_simulated_org_page_supports_every_command(simulated_client, simulated):
    record = body(simulated_client)
    assert record == cli(simulated.path)
    assert {c["supported"] for c in record["commands"]} == {"yes"}
    assert "Warnings" in simulated_client.get("/check").text


@needs(MAVEN)
def test_maven_page_says_what_the_cli_says(maven_client, maven_path):
    record = body(maven_client)
    assert record == cli(maven_path)
    coach = next(c for c in record["commands"] if c["command"] == "coach")
    assert (coach["supported"], coach["reasons"]) == ("no", ["no activities"])
    html = maven_client.get("/check").text
    assert "500 open deals have no creation date" in html
    assert "no quotas for 2018-Q1" in html
