"""Layout in headless Chromium, on every page of `views.PAGES` at 1280 and 390 px.

Every page: the page never scrolls sideways and no table scrolls inside its card (at phone
width a table too wide for its card shows one block per row, each cell after its column's
name); no chart legend lies under Plotly's toolbar or over the plot; every axis a chart shows
has a title; date inputs take and show YYYY-MM-DD. The overview opens with the week's actions
(who needs a conversation, deals to review, the questions to ask) above its figures; the rep
page shows that rep's red flags with their questions, and their plan. The numbers a page states
agree with the items it lists.

The org is the six-rep test org plus the quotas of `test_plan_coaching_pages`, so reps have a
plan; rep `ben` has an activity flag and stalled deals in the week of 2026-04-06.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.workspace import Workspace
from funnelwise.web import views
from funnelwise.web.app import create_app
from tests.web.browser import WIDTHS
from tests.web.orgdata import write_org
from tests.web.test_plan_coaching_pages import QUOTAS

pytestmark = pytest.mark.browser
REP = "ben"
PAGES = {p.name: p.route.format(rep_id=REP) for p in views.PAGES}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")

PROBE = """() => {
  const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
                     return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
  const meet = (a, b) => a && b && a.l < b.r && b.l < a.r && a.t < b.b && b.t < a.b;
  const wraps = [...document.querySelectorAll('main table')].map(t => {
    const w = t.closest('.table-wrap') || t.parentElement;
    return {header: (t.querySelector('th') || {}).textContent || '', width: w.scrollWidth,
            box: w.clientWidth, stacked: t.classList.contains('stacked')};
  });
  const charts = [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
    const L = gd._fullLayout;
    const legend = L.showlegend ? box(gd.querySelector('.legend')) : null;
    const axes = Object.keys(L).filter(k => /^[xy]axis\\d*$/.test(k) && L[k].visible)
      .map(k => [k, ((L[k].title || {}).text || '').trim()]);
    return {id: gd.id, axes, legend: !!legend, toolbar: !!gd.querySelector('.modebar'),
            underToolbar: meet(legend, box(gd.querySelector('.modebar'))),
            overPlot: meet(legend, box(gd.querySelector('.nsewdrag')))};
  });
  const dates = [...document.querySelectorAll('input')]
    .filter(i => i.type === 'date' || /^(since|until|as_of|week)$/.test(i.name))
    .map(i => ({name: i.name, type: i.type, pattern: i.pattern, value: i.value,
                placeholder: i.placeholder}));
  return {scroll: document.documentElement.scrollWidth, viewport: window.innerWidth,
          wraps, charts, dates};
}"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The six-rep org with quotas for 2026, so the rep page has a plan."""
    root = tmp_path_factory.mktemp("layout-org")
    data = write_org(root / "csv")
    (data / "quotas.csv").write_text(QUOTAS)
    path = root / "org.duckdb"
    with Workspace(path) as ws:
        run_import(ws, [data], presets.get("canonical"))
    return create_app(path)


@pytest.fixture(scope="module")
def probed(base_url: str, tabs: Any) -> Any:
    """Each page at each width, loaded once: what PROBE measures, and the tab left on it."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}

    def probe(name: str, width: str) -> dict[str, Any]:
        tab = tabs(width)
        tab.open(base_url + PAGES[name])
        found = tab.page.evaluate(PROBE) | {"errors": list(tab.errors)}
        tab.screenshot(f"layout-{name}-{WIDTHS[width]['width']}")
        seen[(name, width)] = found
        return found

    return probe


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("name", list(PAGES))
def test_page_fits_the_screen_with_clear_legends_and_titled_axes(probed, name, width):
    found = probed(name, width)
    assert found["scroll"] <= found["viewport"], f"{name} scrolls sideways at {width}"
    clipped = [t for t in found["wraps"] if t["width"] > t["box"] + 1]
    assert clipped == [], f"tables scrolling inside their card: {clipped}"
    if width == "desktop":
        assert not any(t["stacked"] for t in found["wraps"])
    assert found["charts"], "the page has charts"
    for chart in found["charts"]:
        assert chart["toolbar"], f"{chart['id']}: no toolbar drawn"
        assert not chart["underToolbar"], f"{chart['id']}: the legend is under the toolbar"
        assert not chart["overPlot"], f"{chart['id']}: the legend covers the plot"
        untitled = [k for k, title in chart["axes"] if not title]
        assert untitled == [], f"{chart['id']}: axes without a title: {untitled}"
    for box in found["dates"]:
        assert box["type"] == "text" and box["placeholder"] == "YYYY-MM-DD", box
        assert box["pattern"] == r"\d{4}-\d{2}-\d{2}", box
        assert box["value"] == "" or ISO.match(box["value"]), box
    assert found["errors"] == []


def test_some_page_stacks_a_wide_table_at_phone_width(probed):
    """The rep page's open deals have seven columns: on a phone each deal is one block."""
    found = probed("rep", "phone")
    deals = [t for t in found["wraps"] if t["header"] == "Account"]
    assert deals and all(t["stacked"] for t in deals), found["wraps"]


def test_a_stacked_cell_shows_its_value_beside_its_columns_name(base_url, tabs):
    tab = tabs("phone")
    tab.open(base_url + PAGES["rep"])
    cells = tab.page.evaluate("""() => [...document.querySelectorAll(
        'table.deals.stacked tbody tr:first-child td')].map(td => {
      const v = td.querySelector('.cell-value'), box = td.getBoundingClientRect();
      const lines = document.createRange();
      if (v) lines.selectNodeContents(v);
      return {label: td.dataset.label, text: v ? v.textContent.trim() : '',
              lines: v ? lines.getClientRects().length : 0,
              at: v ? (v.getBoundingClientRect().left - box.left) / box.width : null};
    })""")
    assert [c["label"] for c in cells] == ["Account", "Amount", "Stage", "Age (days)",
                                           "Expected close", "Deal", "Flags"]
    assert all(c["at"] is not None and 0.35 < c["at"] < 0.5 for c in cells), cells
    assert ISO.match(cells[4]["text"]) and cells[4]["lines"] == 1, "a date stays on one line"


def test_the_probe_sees_date_inputs_and_legends(probed):
    found = probed("overview", "desktop")
    assert {d["name"] for d in found["dates"]} >= {"since", "until"}
    assert [c["id"] for c in found["charts"] if c["legend"]] == ["winrates", "cycle"]


def test_filters_fold_on_a_phone_only_and_show_their_dates_as_typed(base_url, tabs):
    tab = tabs("phone")
    tab.open(base_url + "/?since=2026-01-05&until=2026-03-31&team=North")
    panel = tab.page.locator("details.filter-panel")
    assert panel.evaluate("d => d.open") is False
    assert panel.locator("summary").text_content() == (
        "Filters: 2026-01-05 to 2026-03-31, team North")
    panel.locator("summary").click()
    assert tab.page.locator("input[name=since]").input_value() == "2026-01-05"
    assert tab.page.locator("input[name=until]").input_value() == "2026-03-31"
    assert not tab.overflows()
    assert tab.errors == []
    wide = tabs("desktop")
    wide.open(base_url + "/?since=2026-01-05")
    assert wide.page.locator("details.filter-panel").evaluate("d => d.open") is True


def _count(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, f"{pattern!r} not in {text!r}"
    return int(found.group(1).replace(",", ""))


@pytest.mark.parametrize("width", list(WIDTHS))
def test_overview_opens_with_the_weeks_actions(base_url, tabs, width):
    tab = tabs(width)
    tab.open(base_url + "/?team=North")
    page = tab.page
    first = page.evaluate("""() => {
      const p = document.querySelector('.page-overview');
      const kids = [...p.children].filter(e => e.tagName !== 'H1');
      const top = s => document.querySelector(s).getBoundingClientRect().top + window.scrollY;
      return {first: kids[0].id, actions: top('#week-actions'),
              kpis: top('.page-overview .kpis'), chart: top('.page-overview .js-plotly-plot'),
              heading: document.querySelector('#week-actions h2').getBoundingClientRect().top};
    }""")
    assert first["first"] == "week-actions"
    assert first["actions"] < first["kpis"] < first["chart"]
    assert first["heading"] < WIDTHS[width]["height"], "the actions start on the first screen"
    actions = page.locator("#week-actions")
    assert actions.locator("h4").all_text_contents() == ["Who needs a conversation",
                                                         "Deals to review"]
    talks = actions.locator("ol.talks").nth(0).locator(":scope > li")
    deals = actions.locator("ol.talks").nth(1).locator(":scope > li")
    lede = actions.locator("p.lede").text_content() or ""
    assert _count(r"(\d+) reps? to talk to", lede) == talks.count() > 0
    assert _count(r"(\d+) deals? to review", lede) == deals.count() > 0
    assert talks.locator(".opener").count() == talks.count(), "each talk has its opener"
    asks = actions.locator(".ask li").all_text_contents()
    assert "“Should this deal stay in the forecast?”" in asks
    assert tab.errors == []


@pytest.mark.parametrize("width", list(WIDTHS))
def test_rep_page_shows_the_reps_flags_questions_and_plan(base_url, tabs, width):
    tab = tabs(width)
    tab.open(base_url + PAGES["rep"])
    page = tab.page
    week = page.request.get(base_url + "/api/coaching").json()
    mine = [f for f in week["flags"] if f["rep"] == REP]
    assert [f["rule"] for f in mine] == ["activity_goal_missed", "pipeline_gap", "stalled_deals"]
    flags = page.locator("section.actions ol.talks > li")
    hint = page.locator("section.actions p.hint").first.text_content() or ""
    assert _count(r"(\d+) red flags?", hint) == flags.count() == len(mine)
    for shown, flag in zip(flags.all(), mine, strict=True):
        assert shown.locator("b").first.text_content() == flag["rule_label"]
        asks = shown.locator(".ask li").all_text_contents()
        assert asks == [f"“{q}”" for q in flag["questions"]] and asks
    plan = page.locator("section.plan")
    assert plan.locator("h2").text_content() == "Plan for 2026-Q2"
    assert plan.locator("tbody tr").count() >= 2
    kpi = page.locator(".kpi", has_text="Open deals").locator(".value").text_content()
    deals = page.locator("table.deals tbody tr").count()
    assert int(kpi or "") == deals > 0
    assert tab.errors == []


def test_overview_html_is_free_of_internal_names(base_url, tabs):
    tab = tabs("desktop")
    tab.open(base_url + "/")
    text = tab.page.locator("#week-actions").inner_text()
    assert "activity_goal_missed" not in text and "stalled_deals" not in text


def test_overview_rep_table_spans_the_page_at_desktop_width(base_url, tabs):
    tab = tabs("desktop")
    tab.open(base_url + "/")
    main = tab.page.evaluate("document.querySelector('main .kpis + .grid').clientWidth")
    card = tab.page.locator(".page-overview .card.wide")
    assert card.locator("h2").text_content() == "Win rates by rep"
    assert card.evaluate("c => c.getBoundingClientRect().width") == pytest.approx(main, abs=1)
