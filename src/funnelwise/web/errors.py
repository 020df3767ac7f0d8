"""One error shape for every JSON error, and an HTML page for the same errors.

    {"ok": false, "status": 404, "title": "Not found", "error": "no rep 'zed'; did you mean 'ben'?"}

Requests under `/api` get the JSON; every other path gets the HTML error page with the same
message. User errors (a bad filter: 400, an unknown rep: 404) say what to change; a workspace
held by an import is a 503 with Retry-After; anything else is a 500 that asks to be reported.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException

from funnelwise.errors import UserError
from funnelwise.frames import json_text
from funnelwise.io.workspace import WorkspaceBusy
from funnelwise.web import render, security
from funnelwise.web.page import NotFound

TITLES = {400: "Bad request", 401: "Unauthorized", 404: "Not found", 405: "Method not allowed",
          500: "Internal error", 503: "Busy"}
RETRY_AFTER = 5  # seconds a client is asked to wait when an import holds the workspace


def error_body(status: int, message: str) -> dict[str, Any]:
    """The JSON error shape shared by every route."""
    return {"ok": False, "status": status, "title": TITLES.get(status, "Error"),
            "error": message}


def json_response(body: dict[str, Any], status: int = 200) -> Response:
    """JSON as the CLI writes it (`frames.json_text`: no NaN, dates as ISO text)."""
    return Response(json_text(body, indent=None), status_code=status,
                    media_type="application/json")


def error_response(request: Request, status: int, message: str) -> Response:
    """The error as JSON under /api, else as a page; with the security headers (a 500 is
    answered outside the middleware that adds them to other responses)."""
    if request.url.path == "/api" or request.url.path.startswith("/api/"):
        response = json_response(error_body(status, message), status)
    else:
        html = render.render("_error.html", error=error_body(status, message),
                             **render.chrome(query=""))
        response = HTMLResponse(html, status_code=status)
    response.headers.update(security.headers())
    return response


def busy_response(request: Request, exc: WorkspaceBusy) -> Response:
    """503: an import holds the workspace; the client may ask again in a few seconds."""
    response = error_response(request, 503, str(exc))
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def install(app: FastAPI) -> None:
    """Route user errors, unknown paths and internal errors to the shared shape."""

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        if isinstance(exc, WorkspaceBusy):
            return busy_response(request, exc)
        status = 404 if isinstance(exc, NotFound) else 400
        return error_response(request, status, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        message = f"no page at {request.url.path}" if exc.status_code == 404 else exc.detail
        return error_response(request, exc.status_code, str(message))

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Response:
        return error_response(request, 500, f"internal error (please report): {exc!r}")
