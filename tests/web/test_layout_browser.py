"""Layout in headless Chromium: at desktop width every table shows all its columns; at phone
width a table too wide for the screen scrolls inside its `.table-wrap`, not the page.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
PAGES = {"overview": "/", "forecast": "/forecast", "rep": "/reps/ana"}

TABLES = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  return [...document.querySelectorAll('main table')].map(t => {
    const box = t.closest('.table-wrap') || t.parentElement;
    return {table: t.scrollWidth, box: box.clientWidth, wrapped: box.matches('.table-wrap'),
            scrolls: getComputedStyle(box).overflowX === 'auto',
            header: t.querySelector('th') ? t.querySelector('th').textContent : ''};
  });
}"""


def tables(tab):
    return tab.page.evaluate(TABLES)


@pytest.mark.parametrize("name", list(PAGES))
def test_no_table_is_clipped_at_desktop_width(base_url, tabs, name):
    tab = tabs("desktop")
    tab.open(base_url + PAGES[name])
    found = tables(tab)
    assert found, "the page has tables"
    clipped = [t for t in found if t["table"] > t["box"]]
    assert clipped == [], f"tables wider than their container at 1280 px: {clipped}"
    assert tab.errors == []
    tab.screenshot(f"layout-{name}-1280")


@pytest.mark.parametrize("name", list(PAGES))
def test_wide_tables_scroll_inside_their_wrap_at_phone_width(base_url, tabs, name):
    tab = tabs("phone")
    tab.open(base_url + PAGES[name])
    found = tables(tab)
    assert all(t["wrapped"] and t["scrolls"] for t in found), found
    assert any(t["table"] > t["box"] for t in found), "no table is wider than a phone"
    assert not tab.overflows(), "the page scrolls sideways"
    moved = tab.page.evaluate("""() => {
      const w = [...document.querySelectorAll('.table-wrap')]
        .find(w => w.scrollWidth > w.clientWidth);
      w.scrollLeft = 10000;
      return [w.scrollLeft, window.scrollX];
    }""")
    assert moved[0] > 0 and moved[1] == 0, "the wrap scrolls, the page does not"
    assert tab.errors == []
    tab.screenshot(f"layout-{name}-390")


def test_overview_rep_table_spans_the_page_at_desktop_width(base_url, tabs):
    tab = tabs("desktop")
    tab.open(base_url + "/")
    main = tab.page.evaluate("document.querySelector('main .grid').clientWidth")
    card = tab.page.locator(".page-overview .card.wide")
    assert card.locator("h2").text_content() == "Win rates by rep"
    assert card.evaluate("c => c.getBoundingClientRect().width") == pytest.approx(main, abs=1)
