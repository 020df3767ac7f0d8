"""Every route of the dashboard, in process: pages, JSON twins, errors, static assets."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

from funnelwise.io.workspace import Workspace
from funnelwise.web.context import make_context
from funnelwise.web.filters import Filters
from funnelwise.web.views import PAGES
from tests.web.orgdata import REPS

REP_IDS = [r[0] for r in REPS]
ERROR_KEYS = {"ok", "status", "title", "error"}
PAGE_URLS = ["/", *[f"/reps/{quote(r)}" for r in REP_IDS]]
API_URLS = ["/api/overview", *[f"/api/reps/{quote(r)}" for r in REP_IDS]]


@pytest.mark.parametrize("url", PAGE_URLS)
def test_every_page_renders_with_its_charts(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    html = response.text
    assert html.count('class="plotly-graph-div"') >= 2
    assert "Plotly.newPlot" in html
    assert 'href="/api/' in html  # the link to its JSON twin


@pytest.mark.parametrize("url", API_URLS)
def test_every_json_twin_answers(client, url):
    body = client.json(url)
    assert body["ok"] is True
    assert body["filters"] == {"since": None, "until": None, "manager": None, "team": None}
    assert body["title"]


def test_json_twin_is_the_page_data_function(client, org_path):
    """For every registered page and instance: /api/... == page.build(ctx) (as JSON)."""
    with Workspace(org_path, read_only=True) as ws:
        ctx = make_context(ws.crm(), Filters())
        for page in PAGES:
            for params in page.instances(ctx):
                built = json.loads(json.dumps(page.build(ctx, **params), default=str))
                body = client.json(page.api_url(params))
                assert {k: v for k, v in body.items() if k not in ("ok", "page", "filters")} \
                    == built, page.name


def test_api_index_lists_every_page(client):
    body = client.json("/api")
    assert [p["name"] for p in body["pages"]] == [p.name for p in PAGES]
    assert [p["name"] for p in body["pages"]] == ["overview", "plan", "pipeline", "changes",
                                                  "coaching", "forecast", "calls", "check",
                                                  "rep"]
    assert body["pages"][-1] == {"name": "rep", "title": "Rep", "html": "/reps/{rep_id}",
                                 "json": "/api/reps/{rep_id}"}


def test_filters_change_the_figures_and_are_echoed(client):
    everyone = client.json("/api/overview")
    south = client.json("/api/overview?team=South&since=2026-01-01&until=2026-02-28")
    assert south["filters"] == {"since": "2026-01-01", "until": "2026-02-28", "manager": None,
                                "team": "South"}
    assert {r["key"] for r in south["winrates"]} <= {"dee", "eli"}
    assert [r["rep_id"] for r in south["reps"]] == ["dee", "eli"]
    assert south["funnel"][0]["count"] < everyone["funnel"][0]["count"]


def test_manager_filter_keeps_only_their_reps(client):
    body = client.json("/api/overview?manager=Leo+Marsh")
    assert sorted(r["rep_id"] for r in body["reps"]) == ["Fay Moss", "dee", "eli"]


def test_blank_filters_from_an_empty_form_mean_no_filter(client):
    body = client.json("/api/overview?since=&until=&manager=&team=")
    assert body["filters"] == {"since": None, "until": None, "manager": None, "team": None}


def test_html_filters_are_kept_in_links(client):
    html = client.get("/?team=North").text
    assert 'href="/reps/ana?team=North"' in html
    assert '<option value="North" selected>' in html
    assert 'href="/api/overview?team=North"' in html


def test_rep_ids_are_quoted_in_links(client):
    html = client.get("/?manager=Leo+Marsh").text
    assert 'href="/reps/Fay%20Moss?manager=Leo+Marsh"' in html
    body = client.json("/api/reps/Fay%20Moss")
    assert body["rep"]["rep_id"] == "Fay Moss"
    html = client.get("/reps/Fay%20Moss").text
    assert 'href="/api/reps/Fay%20Moss"' in html
    assert 'action="/reps/Fay%20Moss"' in html


def test_rep_page_has_open_deals_with_the_reviews_flags(client):
    body = client.json("/api/reps/ana")
    assert body["rep"]["team"] == "North"
    deals = {d["opportunity_id"]: d for d in body["open_deals"]}
    # ages at the data's today, 2026-04-11 (o008 created 2026-02-03, o009 2026-02-12)
    assert [(d, deals[d]["age_days"]) for d in deals] == [("o009", 58), ("o008", 67)]
    # o008 is in Proposal now (its current stage); no won deal's history passed through
    # Proposal, so there is no threshold to call it stalled against
    assert deals["o008"]["stage"] == "Proposal"
    flags = {f["rule"]: f for f in deals["o008"]["flags"]}
    assert sorted(flags) == ["close_date_passed", "older_than_won_cycle"]
    assert not any(f["disqualifying"] for f in flags.values())
    assert flags["older_than_won_cycle"]["evidence"] == (
        "67 days old; 90.0% of the 14 won deals closed within 49 days of creation")
    amounts = [d["amount"] for d in body["open_deals"]]
    assert amounts == sorted(amounts, reverse=True)
    weeks = body["activity"]["weeks"]
    assert body["activity"]["volume_step"] == "outreach"
    assert all(w["yield"] == pytest.approx(w["output"] / w["volume"]) for w in weeks)


@pytest.mark.parametrize(("url", "status", "fragment"), [
    ("/api/overview?since=2026-13-01", 400, "since='2026-13-01' is not a date"),
    ("/api/overview?since=2026-03-01&until=2026-02-01", 400, "is after until"),
    ("/api/overview?team=Nort", 400, "did you mean 'North'?"),
    ("/api/overview?manager=Leo+Marsh&team=North", 400, "no reps in manager Leo Marsh"),
    ("/api/reps/zed", 404, "no rep 'zed'"),
    ("/api/reps/ana?team=South", 404, "no rep 'ana' in team South"),
    ("/api/reps/bem", 404, "did you mean 'ben'?"),
    ("/api/nothing-here", 404, "no page at /api/nothing-here"),
])
def test_json_errors_share_one_shape(client, url, status, fragment):
    body = client.json(url, status=status)
    assert set(body) == ERROR_KEYS
    assert body["ok"] is False and body["status"] == status
    assert fragment in body["error"]


@pytest.mark.parametrize(("url", "status", "fragment"), [
    ("/reps/zed", 404, "no rep &#39;zed&#39;"),
    ("/no-such-page", 404, "no page at /no-such-page"),
    ("/?until=yesterday", 400, "is not a date"),
])
def test_html_errors_are_pages(client, url, status, fragment):
    response = client.get(url)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert fragment in response.text
    assert "Back to the team overview" in response.text


def test_plotly_is_served_by_the_app(client):
    html = client.get("/").text
    src = re.search(r'<script src="(/static/plotly-[^"]+\.js)">', html)
    assert src, "the page loads Plotly from the app itself"
    response = client.get(src.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert "immutable" in response.headers["cache-control"]
    assert len(response.text) > 1_000_000


def test_no_page_refers_to_another_host(client):
    for url in PAGE_URLS[:2]:
        html = client.get(url).text
        assert not re.search(r'(src|href)="(https?:)?//', html), url


@pytest.mark.parametrize(("url", "kind"), [
    ("/static/style.css", "text/css"), ("/favicon.ico", "image/svg+xml"),
    ("/static/favicon.svg", "image/svg+xml"),
])
def test_static_assets(client, url, kind):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)


def test_unknown_static_file_is_404(client):
    assert client.get("/static/secret.txt").status_code == 404


@pytest.mark.parametrize("url", ["/?since=2030-01-01", "/reps/ana?since=2030-01-01"])
def test_a_window_after_the_data_is_a_400_naming_its_span(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert ("since=2030-01-01 is after the data&#39;s today (2026-04-11) plus a quarter "
            "(records from 2026-01-05 to 2026-04-10)") in response.text


@pytest.mark.parametrize("url", ["/?since=2026-04-06", "/reps/ana?until=2026-01-04"])
def test_a_window_without_data_inside_the_span_still_renders(client, url):
    response = client.get(url)
    expected = 400 if "until=2026-01-04" in url else 200
    assert response.status_code == expected
