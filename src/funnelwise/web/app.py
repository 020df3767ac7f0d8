"""The dashboard app: every page in `views.PAGES` as HTML and as its JSON twin under `/api`.

    GET /                  team overview          GET /api/overview
    GET /reps/{rep_id}     one rep                GET /api/reps/{rep_id}
    GET /api               the list of pages and their routes

Every page takes `?since=&until=&manager=&team=`. Plotly's JavaScript, the stylesheet, the
scripts and the icon are served by the app itself, so the dashboard works with no network.
Requests are served concurrently (uvicorn runs each in a thread); `web.security` checks the
Host header and the token and sets the security headers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware

from funnelwise import formats
from funnelwise.io.workspace import DEFAULT_WAIT, Stamp, require, stamp
from funnelwise.web import errors, filters, render, security
from funnelwise.web.context import Context
from funnelwise.web.page import Data, Page
from funnelwise.web.reading import Changed, Reading
from funnelwise.web.views import PAGES

CACHE_FOREVER = {"Cache-Control": "public, max-age=31536000, immutable"}
ASSETS = {"style.css": "text/css; charset=utf-8", "resize.js": "text/javascript; charset=utf-8",
          "favicon.svg": "image/svg+xml"}
ATTEMPTS = 3  # reads of a request that each found the file changed by an import


class Dashboard:
    """The dashboard over a workspace file, which it opens only while a request reads it.

    Requests run concurrently. What is computed for a set of filters (metrics, each page's
    data, and each page's HTML and JSON) is kept for the last `keep` sets, as long as the
    file is unchanged (its `stamp`): moving between pages with the same filters, or to a
    page's JSON twin, computes nothing again, and a request whose answer is kept neither
    opens the file nor waits for another. Requests for an answer being computed wait for it
    rather than compute it again; different pages compute side by side. An import changes the
    stamp, so the next request reads the new data. A request that must read while an import
    writes waits up to `wait` seconds, then answers 503.
    """

    def __init__(self, path: Path, *, keep: int = 16, wait: float = DEFAULT_WAIT) -> None:
        self.path = Path(path)
        self.lock = threading.Lock()  # held only to look up or add kept results
        self.keep = keep
        self.wait = wait
        self.version: Stamp = ()
        self.memos: OrderedDict[filters.Filters, dict[Any, Any]] = OrderedDict()
        self.settings: dict[Stamp, str] = {}

    def memo(self, version: Stamp, chosen: filters.Filters) -> dict[Any, Any]:
        """The results kept for `chosen` on this version of the file (all dropped when the
        file has changed)."""
        with self.lock:
            if version != self.version:
                self.memos.clear()
                self.version = version
            memo = self.memos.setdefault(chosen, {})
            self.memos.move_to_end(chosen)
            while len(self.memos) > self.keep:
                self.memos.popitem(last=False)
            return memo

    def run(self, request: Request, page: Page, view: Callable[[Context, Data], Any], *,
            kind: str) -> Any:
        """`view(ctx, data)` for the page's data under the request's filters: the `kind` of
        answer (HTML, JSON) kept for these filters and options, else computed."""
        chosen = filters.parse(request.query_params)
        args = {**request.path_params, **page.chosen(request.query_params)}
        items = tuple(sorted(args.items()))

        def use(ctx: Context) -> Any:
            return view(ctx, self.once(ctx.memo, ("page", page.name, items),
                                       lambda: page.build(ctx, **args)))
        return self.read(chosen, (kind, page.name, items), use)

    def read(self, chosen: filters.Filters, key: Any, use: Callable[[Context], Any], *,
             attempts: int = ATTEMPTS) -> Any:
        """The result kept under `key`, else `use(ctx)`, opening the file if something must
        be computed; again, afresh, if an import changed the file meanwhile."""
        version = stamp(self.path)
        memo = self.memo(version, chosen)
        try:
            return self.once(memo, key, lambda: self.compute(version, chosen, memo, use))
        except Changed:
            if attempts <= 1:
                raise
            return self.read(chosen, key, use, attempts=attempts - 1)

    def once(self, memo: dict[Any, Any], key: Any, compute: Callable[[], Any]) -> Any:
        """`memo[key]`, computed by one request at a time: another request for the same key
        waits for it, then uses it. A failure is not kept (the next request tries again)."""
        if key in memo:
            return memo[key]
        with self.lock:
            computing = memo.setdefault(("computing", key), threading.Lock())
        with computing:
            if key not in memo:
                memo[key] = compute()
        return memo[key]

    def compute(self, version: Stamp, chosen: filters.Filters, memo: dict[Any, Any],
                use: Callable[[Context], Any]) -> Any:
        with Reading(self.path, version=version, wait=self.wait) as reading, \
                formats.using_currency(self.currency(version, reading)):
            return use(Context(tables=reading.crm, filters=chosen, memo=memo))

    def currency(self, version: Stamp, reading: Reading) -> str:
        """The workspace's currency setting, read once per version of the file."""
        known = self.settings.get(version)
        if known is None:
            known = reading.setting(formats.CURRENCY_KEY) or ""
            self.settings = {version: known}
        return known


def twin(page: Page, ctx: Context, data: Data) -> dict[str, Any]:
    """A page's JSON: its data dict plus which page and filters produced it."""
    return {"ok": True, "page": page.name, "filters": ctx.filters.as_dict(), **data}


def html(page: Page, ctx: Context, data: Data, request: Request) -> tuple[str, dict[str, str]]:
    """A page's HTML: the same dict through its template, with charts and the filter bar;
    and its security headers, whose policy lets the page run its own charts' scripts."""
    params = {k: str(v) for k, v in request.path_params.items()}
    query, path = ctx.filters.query(), page.path(params)
    own = urlencode({**ctx.filters.params(), **page.chosen(request.query_params)})
    shown = render.section(page, data, params, prefix="")
    text = render.render(
        "_page.html", **shown,
        **render.chrome(query=query), filters=ctx.filters, path=path,
        api_url=page.api_url(params) + ("?" + own if own else ""),
        managers=ctx.known("manager"), teams=ctx.known("team"),
        periods=[(label, path + f.query(), f == ctx.filters)
                 for label, f in filters.periods(ctx.filters, ctx.latest())],
    )
    return text, security.headers(shown["charts"].values())


def add_page(app: FastAPI, dash: Dashboard, page: Page) -> None:
    def html_view(request: Request) -> HTMLResponse:
        text, headers = dash.run(request, page, lambda c, d: html(page, c, d, request),
                                 kind="html")
        return HTMLResponse(text, headers=headers)

    def json_view(request: Request) -> Response:
        body = dash.run(request, page, lambda c, d: errors.json_response(
            twin(page, c, d)).body, kind="json")
        return Response(body, media_type="application/json")

    app.add_api_route(page.route, html_view, methods=["GET"], name=page.name)
    app.add_api_route(page.api_path, json_view, methods=["GET"], name=f"api-{page.name}")


def add_static(app: FastAPI) -> None:
    @app.get(render.PLOTLY_PATH)
    def plotly_js() -> Response:
        return Response(render.plotly_js(), media_type="text/javascript",
                        headers=CACHE_FOREVER)

    @app.get("/static/{name}")
    def asset(name: str) -> Response:
        if name not in ASSETS:
            raise HTTPException(404)
        return Response(render.static_text(name), media_type=ASSETS[name])

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(render.static_text("favicon.svg"), media_type="image/svg+xml")

    @app.get("/api")
    def index() -> Response:
        return errors.json_response({"ok": True, "pages": [
            {"name": p.name, "title": p.title, "html": p.route, "json": p.api_path}
            for p in PAGES]})


def create_app(workspace: Path, *, wait: float = DEFAULT_WAIT,
               guard: security.Guard | None = None) -> FastAPI:
    """The dashboard over a workspace file (which must exist), opened by each request that
    reads it; a request waits up to `wait` seconds for an import to finish.

    `guard` says which Host names are answered and which token is needed (`funnelwise
    serve` builds it from its options); by default any Host is answered and no token is
    needed. The security headers are on every response either way.
    """
    require(workspace)
    app = FastAPI(title="funnelwise", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.dashboard = Dashboard(workspace, wait=wait)
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    app.add_middleware(security.Guarded, guard=guard or security.Guard(),
                       refuse=errors.error_response)
    errors.install(app)
    add_static(app)
    for page in PAGES:
        add_page(app, app.state.dashboard, page)
    return app
