"""The dashboard app: every page in `views.PAGES` as HTML and as its JSON twin under `/api`.

    GET /                  team overview          GET /api/overview
    GET /reps/{rep_id}     one rep                GET /api/reps/{rep_id}
    GET /api               the list of pages and their routes

Every page takes `?since=&until=&manager=&team=`. Plotly's JavaScript, the stylesheet and the
icon are served by the app itself, so the dashboard works with no network.
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

from funnelwise.io.workspace import Workspace
from funnelwise.web import errors, filters, render
from funnelwise.web.context import Context, make_context
from funnelwise.web.page import Data, Page
from funnelwise.web.views import PAGES

CACHE_FOREVER = {"Cache-Control": "public, max-age=31536000, immutable"}
ASSETS = {"style.css": "text/css; charset=utf-8", "favicon.svg": "image/svg+xml"}


class Dashboard:
    """The open workspace behind the app; DuckDB is queried by one request at a time.

    While the app runs it holds the workspace file, so no other process changes the data:
    the figures computed for a set of filters are kept (the last `keep` sets) and reused as
    the user moves between pages with the same filters, and so is each page's data (a page
    seen again, or its JSON twin, is not computed again).
    """

    def __init__(self, workspace: Workspace, *, keep: int = 16) -> None:
        self.workspace = workspace
        self.lock = threading.Lock()
        self.keep = keep
        self.contexts: OrderedDict[filters.Filters, Context] = OrderedDict()

    def context(self, chosen: filters.Filters) -> Context:
        if chosen not in self.contexts:
            self.contexts[chosen] = make_context(self.workspace.crm(), chosen)
            while len(self.contexts) > self.keep:
                self.contexts.popitem(last=False)
        self.contexts.move_to_end(chosen)
        return self.contexts[chosen]

    def run(self, request: Request, page: Page, view: Callable[[Context, Data], Any]) -> Any:
        """Build the page's data for the request's filters, then `view(ctx, data)`."""
        chosen = filters.parse(request.query_params)
        with self.lock:
            ctx = self.context(chosen)
            args = {**request.path_params, **page.chosen(request.query_params)}
            key = ("page", page.name, tuple(sorted(args.items())))
            return view(ctx, ctx.remember(key, lambda: page.build(ctx, **args)))


def twin(page: Page, ctx: Context, data: Data) -> dict[str, Any]:
    """A page's JSON: its data dict plus which page and filters produced it."""
    return {"ok": True, "page": page.name, "filters": ctx.filters.as_dict(), **data}


def html(page: Page, ctx: Context, data: Data, request: Request) -> str:
    """A page's HTML: the same dict through its template, with charts and the filter bar."""
    params = {k: str(v) for k, v in request.path_params.items()}
    query, path = ctx.filters.query(), page.path(params)
    own = urlencode({**ctx.filters.params(), **page.chosen(request.query_params)})
    return render.render(
        "_page.html", **render.section(page, data, params, prefix=""),
        **render.chrome(query=query), filters=ctx.filters, path=path,
        api_url=page.api_url(params) + ("?" + own if own else ""),
        managers=ctx.known("manager"), teams=ctx.known("team"),
        periods=[(label, path + f.query(), f == ctx.filters)
                 for label, f in filters.periods(ctx.filters, ctx.latest())],
    )


def add_page(app: FastAPI, dash: Dashboard, page: Page) -> None:
    def html_view(request: Request) -> HTMLResponse:
        return HTMLResponse(dash.run(request, page, lambda c, d: html(page, c, d, request)))

    def json_view(request: Request) -> Response:
        return errors.json_response(dash.run(request, page, lambda c, d: twin(page, c, d)))

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


def create_app(workspace: Path | Workspace) -> FastAPI:
    """The dashboard over a workspace (opened here when given as a path; must exist)."""
    ws = workspace if isinstance(workspace, Workspace) else Workspace(workspace, read_only=True)
    app = FastAPI(title="funnelwise", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.dashboard = Dashboard(ws)
    app.add_middleware(GZipMiddleware, minimum_size=2048)
    errors.install(app)
    add_static(app)
    for page in PAGES:
        add_page(app, app.state.dashboard, page)
    return app
