"""A page: one data function, one template, its charts, and where it lives.

The data function builds a plain dict from a `Context`; the same dict is the JSON twin at
`/api/...`, the input of the template (`templates/<name>.html`) and of the chart builders.
A new page is one module in `web/views/` declaring a `Page`, plus its template; the app, the
JSON twin, the error handling and the HTML report pick it up from `views.PAGES`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import plotly.graph_objects as go

from funnelwise.errors import UserError
from funnelwise.web.context import Context

Data = dict[str, Any]
Params = dict[str, str]


class NotFound(UserError):
    """The thing a page is about does not exist (an unknown rep): HTTP 404."""


def _quoted(params: Params) -> Params:
    return {k: quote(v, safe="") for k, v in params.items()}


def _one(ctx: Context) -> list[Params]:
    return [{}]


@dataclass(frozen=True)
class Page:
    """A page registered in `views.PAGES`.

    `route` is the HTML path with `{params}`; the JSON twin is `/api` + `api_route`.
    `instances` lists the parameter sets the HTML report renders (one for a team page,
    one per rep for a rep page). The data function's arguments with a default are the page's
    own query options (`?period=2026-Q3&what_if=...`), beside the filters every page takes;
    blank or absent ones keep their default.
    """

    name: str
    title: str
    route: str
    api_route: str
    build: Callable[..., Data]
    charts: Callable[[Data], dict[str, go.Figure]]
    instances: Callable[[Context], list[Params]] = _one
    in_nav: bool = True

    @property
    def template(self) -> str:
        return f"{self.name}.html"

    @property
    def api_path(self) -> str:
        return "/api" + self.api_route

    @property
    def options(self) -> tuple[str, ...]:
        """The page's own query parameters: the data function's arguments with a default."""
        args = inspect.signature(self.build).parameters.values()
        return tuple(a.name for a in args if a.default is not inspect.Parameter.empty)

    def chosen(self, query: Mapping[str, str]) -> Params:
        """The page's options set in `query`; blank values leave the function's default."""
        return {k: query[k].strip() for k in self.options if query.get(k, "").strip()}

    def path(self, params: Params) -> str:
        """The page's URL path for `params`, each value percent-encoded."""
        return self.route.format(**_quoted(params))

    def api_url(self, params: Params) -> str:
        """The URL path of the page's JSON twin for `params`."""
        return self.api_path.format(**_quoted(params))

    def anchor(self, params: Params) -> str:
        """An id for this page's section in the single-file report."""
        raw = "-".join([self.name, *params.values()])
        return re.sub(r"[^A-Za-z0-9_-]+", "_", raw)


def by_name(pages: tuple[Page, ...]) -> dict[str, Page]:
    return {p.name: p for p in pages}
