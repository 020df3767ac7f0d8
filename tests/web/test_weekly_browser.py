"""The waterfall and the calls as drawn in headless Chromium at phone width: one bar per line
of the table beside it, each bar's label the table's value with its sign; a marker per rep
with a call; nothing wider than the screen."""

from __future__ import annotations

import pytest

from tests.web.browser import ARTIFACTS

pytestmark = pytest.mark.browser

BARS = """() => [...document.querySelectorAll('#waterfall .waterfalllayer .point')]
  .map(p => p.querySelector('text') ? p.querySelector('text').textContent : null)"""
ROWS = """() => [...document.querySelectorAll('table.waterfall tbody tr')]
  .map(r => [r.dataset.line, r.cells[2].textContent])"""


def test_waterfall_bars_are_the_table_lines_at_phone_width(base_url, tabs):
    tab = tabs("phone")
    tab.open(base_url + "/pipeline")
    rows = tab.page.evaluate(ROWS)
    assert [line for line, _ in rows] == ["start", "won", "lost", "end"]
    signed = [v if line in ("start", "end") or v.startswith("-") else "+" + v
              for line, v in rows]
    assert tab.page.evaluate(BARS) == signed == ["643.0k", "-49.0k", "-61.0k", "533.0k"]
    assert not tab.overflows(), "the page scrolls sideways"
    assert tab.errors == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tab.page.locator("section.changes").screenshot(path=str(ARTIFACTS / "changes-390.png"))


def test_calls_chart_has_a_marker_per_rep_with_a_call(base_url, tabs):
    tab = tabs("phone")
    tab.open(base_url + "/calls")
    called = tab.page.evaluate("""() => [...document.querySelectorAll(
        '#commit_calls .scatterlayer .trace')].map(t => t.querySelectorAll('.point').length)""")
    # model P50, commit as called, best case as called: six reps, each with a commit call
    assert called == [6, 6, 6]
    assert not tab.overflows(), "the page scrolls sideways"
    assert tab.errors == []

