"""End to end in headless Chromium: pages from a live server on 127.0.0.1, a filter click,
screenshots at desktop and phone width, and the report opened from file:// with no network.
"""

from __future__ import annotations

import pytest

from funnelwise.io.workspace import Workspace
from funnelwise.web import views
from funnelwise.web.filters import Filters
from funnelwise.web.report import report_html
from tests.web.browser import WIDTHS, Watched
from tests.web.orgdata import CHARTS, REPS

pytestmark = pytest.mark.browser
PAGES = {"overview": "/", "plan": "/plan", "pipeline": "/pipeline", "changes": "/changes",
         "coaching": "/coaching", "forecast": "/forecast", "calls": "/calls", "check": "/check",
         "rep": "/reps/ana"}
ONE_CHART = {"changes"}  # the waterfall alone


def test_every_dashboard_page_is_loaded_here():
    assert set(PAGES) == {p.name for p in views.PAGES}


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_draws_every_chart_without_errors(base_url, tabs, name, width):
    tab = tabs(width)
    tab.open(base_url + PAGES[name])
    total, drawn = tab.chart_counts()
    assert total >= (1 if name in ONE_CHART else 2) and drawn == total
    assert tab.errors == []
    assert not tab.overflows(), "the page scrolls sideways"
    assert all(u.startswith(base_url) for u in tab.requests), "only the app is contacted"
    tab.screenshot(f"{name}-{WIDTHS[width]['width']}")


def rows(tab):
    return tab.page.locator(".page-overview table").nth(1).locator("tbody tr")


def test_filter_click_changes_the_page(base_url, tabs):
    tab = tabs("desktop")
    tab.open(base_url + "/")
    assert rows(tab).count() == len(REPS)
    tab.page.select_option("select[name=team]", "South")
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Apply").click()
    tab.wait_for_charts()
    assert "team=South" in tab.page.url
    assert rows(tab).count() == 2
    assert tab.page.locator("select[name=team]").input_value() == "South"
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Last 90 days").click()
    tab.wait_for_charts()
    assert "since=" in tab.page.url and "team=South" in tab.page.url
    assert tab.page.locator(".periods a.active").text_content() == "Last 90 days"
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Dee Quinn").first.click()
    tab.wait_for_charts()
    assert "/reps/dee?" in tab.page.url and "team=South" in tab.page.url
    assert tab.errors == []
    tab.screenshot("rep-filtered-1280")


def test_report_opens_offline_from_a_file(browser, org_path, tmp_path):
    with Workspace(org_path, read_only=True) as ws:
        html = report_html(ws.crm(), Filters())
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context(viewport=WIDTHS["desktop"], offline=True)
    context.route("**/*", lambda route: route.abort()
                  if not route.request.url.startswith("file:") else route.continue_())
    tab = Watched(context.new_page())
    tab.open(path.as_uri())
    total, drawn = tab.chart_counts()
    assert total == CHARTS and drawn == total
    assert tab.errors == []
    assert all(u.startswith(("file:", "data:")) for u in tab.requests), tab.requests
    assert tab.page.locator("#rep-ana h1").text_content() == "Ana Ortiz"
    tab.screenshot("report-1280")
    context.close()
