"""Templates, number formats and static assets: turning a page's dict into HTML.

Every figure a template shows goes through a filter of `funnelwise.formats` (`money`, `pct`,
`count`, `whole` for needs rounded up, `days`, `multiple`, `score`, `date`), so a page reads
as the CLI and the brief do.

The same templates serve the dashboard (assets linked from the app's own routes) and the
single-file report (assets inlined), so both show the same views.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Any
from urllib.parse import quote

import plotly
import plotly.offline
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from funnelwise import formats
from funnelwise.web.charts import base as charts
from funnelwise.web.page import Data, Page, Params, by_name
from funnelwise.web.views import PAGES

PLOTLY_PATH = f"/static/plotly-{plotly.__version__}.min.js"
Linker = Callable[..., str]


def rep_names(reps: list[dict[str, Any]]) -> dict[str, str]:
    """rep_id -> display name, for labelling metric rows keyed by rep."""
    return {r["rep_id"]: r["name"] for r in reps}


@functools.cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("funnelwise.web", "templates"),
                      autoescape=select_autoescape(default=True), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(pct=formats.pct, money=formats.money, days=formats.days,
                       count=formats.count, whole=lambda v: formats.count(v, up=True),
                       signed=lambda v: formats.pct(v, signed=True),
                       multiple=formats.multiple, score=formats.score, date=formats.date,
                       words=formats.words, text=formats.text, names=rep_names,
                       drop_off=charts.drop_off)
    env.globals.update(interval=formats.interval, named=formats.named)
    return env


@functools.cache
def plotly_js() -> str:
    """Plotly's JavaScript bundle (about 4.8 MB), read once."""
    return str(plotly.offline.get_plotlyjs())


@functools.cache
def static_text(name: str) -> str:
    """A file under `web/static/`."""
    return (resources.files("funnelwise.web") / "static" / name).read_text(encoding="utf-8")


def chart_divs(page: Page, data: Data, prefix: str) -> dict[str, Markup]:
    """Each of the page's figures as an HTML fragment with a document-unique id."""
    return {name: Markup(charts.to_div(fig, f"{prefix}{name}"))
            for name, fig in page.charts(data).items()}


def web_linker(pages: Mapping[str, Page], query: str) -> Linker:
    """Links between dashboard pages that keep the current filters."""
    def link(name: str, **params: str) -> str:
        return pages[name].path(params) + query
    return link


def anchor_linker(pages: Mapping[str, Page]) -> Linker:
    """Links between sections of the single-file report."""
    def link(name: str, **params: str) -> str:
        return "#" + pages[name].anchor(params)
    return link


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def section(page: Page, data: Data, params: Params, *, prefix: str) -> dict[str, Any]:
    """What `_page.html` and `_report.html` need to show one page."""
    return {"page": page, "data": data, "anchor": page.anchor(params),
            "charts": chart_divs(page, data, prefix)}


def chrome(*, query: str, inline: bool = False) -> dict[str, Any]:
    """What `_base.html` needs around any page: navigation, links, assets."""
    pages = by_name(PAGES)
    return {
        "nav": [p for p in PAGES if p.in_nav],
        "link": anchor_linker(pages) if inline else web_linker(pages, query),
        "inline": inline,
        "plotly_src": PLOTLY_PATH,
        "css": Markup(static_text("style.css")) if inline else "",
        "plotly_js": Markup(plotly_js()) if inline else "",
        "resize_js": Markup(static_text("resize.js")),
        "favicon_uri": "data:image/svg+xml," + quote(static_text("favicon.svg")),
    }
