"""Who may read the dashboard, and what a browser may do with its pages.

- **Host.** A request naming a host this server does not answer to gets 400, so a page on
  another site whose name is made to point at this machine (DNS rebinding) cannot read the
  data. A server answers to the address it is bound to, the names given with
  `--allow-host`, the loopback names when bound to loopback, and also this machine's own
  names when bound to every address (`0.0.0.0`).
- **Token.** With a token, every request needs it: `Authorization: Bearer <token>`, or the
  cookie that the login link (`/login?token=...`) sets (HttpOnly, SameSite=Strict), else 401.
  Tokens are compared in constant time. The stylesheet, Plotly's JavaScript and the icon
  need none: they hold no data, and the 401 page uses them.
- **Headers** on every response: a Content-Security-Policy that lets a page load scripts,
  styles, images and data from this server only, may not be framed, and is not MIME-sniffed;
  no Referer leaves the dashboard. Inline scripts run only when the server wrote them: each
  chart's `Plotly.newPlot` call and the scripts written in the templates, each allowed by its
  hash, so a script that reached a page any other way (say through a value in the data) is
  blocked. Styles may be inline: Plotly adds its own style elements and attributes as it
  draws, and a style cannot run a script nor, with `img-src` and `font-src` at 'self', load
  anything from elsewhere.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import hmac
import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

COOKIE = "funnelwise_token"
COOKIE_DAYS = 30
LOGIN = "/login"
PUBLIC = ("/static/", "/favicon.ico")  # what a request may fetch without the token
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
EVERY_ADDRESS = frozenset({"0.0.0.0", "::", ""})

POLICY = ("default-src 'self'; script-src 'self'{scripts}; style-src 'self' 'unsafe-inline'; "
          "img-src 'self' data: blob:; font-src 'self'; object-src 'none'; base-uri 'none'; "
          "form-action 'self'; frame-ancestors 'none'")
HEADERS = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer"}
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>(.*?)</script>", re.DOTALL)
TEMPLATE_SYNTAX = ("{{", "{%", "{#")

Refuse = Callable[[Request, int, str], Response]


def policy(fragments: Iterable[str] = ()) -> str:
    """The Content-Security-Policy of a page: this server only, plus, by hash, the inline
    scripts of the templates and of `fragments`, HTML the server made for the page (its
    charts). A script that is in the page but in neither is not allowed."""
    made = {_sha256(m.group(1)) for f in fragments for m in INLINE_SCRIPT.finditer(str(f))}
    hashes = sorted(template_scripts() | made)
    return POLICY.format(scripts="".join(f" '{h}'" for h in hashes))


def headers(fragments: Iterable[str] = ()) -> dict[str, str]:
    """The security headers of a response (a page: with the hashes of its `fragments`)."""
    return {"Content-Security-Policy": policy(fragments), **HEADERS}


@functools.cache
def template_scripts() -> frozenset[str]:
    """The hashes of the inline scripts written whole in the templates (no template syntax
    inside, so the page carries them exactly as written)."""
    from funnelwise.web import render

    env = render.environment()
    assert env.loader is not None
    sources = (env.loader.get_source(env, name)[0] for name in env.list_templates())
    return frozenset(_sha256(m.group(1)) for text in sources
                     for m in INLINE_SCRIPT.finditer(text)
                     if not any(mark in m.group(1) for mark in TEMPLATE_SYNTAX))


@functools.cache
def raw_headers() -> tuple[tuple[bytes, bytes], ...]:
    """`headers()` as ASGI sends them."""
    return tuple((k.lower().encode(), v.encode()) for k, v in headers().items())


def _sha256(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()


def cookie_value(token: str) -> str:
    """What the login cookie holds: a digest of the token (any token fits in a cookie)."""
    return hashlib.sha256(f"funnelwise cookie:{token}".encode()).hexdigest()


def same_secret(given: str, token: str) -> bool:
    """`given == token`, in a time that does not depend on where they differ, nor on the
    length of either (both are hashed first)."""
    return hmac.compare_digest(hashlib.sha256(given.encode()).digest(),
                               hashlib.sha256(token.encode()).digest())


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def machine_names() -> set[str]:
    """This machine's name, its fully qualified name and the addresses they resolve to, and
    the address its default route leaves from (found without sending anything)."""
    names = {socket.gethostname(), socket.getfqdn()}
    for name in list(names):
        with contextlib.suppress(OSError):
            names |= {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # a documentation address: no packet is sent
        names.add(str(probe.getsockname()[0]))
    return {n for n in names if n}


def host_name(header: str) -> str:
    """The name in a Host header, without its port: `[::1]:8765` -> `::1`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.partition(":")[0].rstrip(".")


def _plain(name: str) -> str:
    """A configured name as `host_name` reads Host headers (an IPv6 address may come bare)."""
    return name.lower() if name.count(":") > 1 and "[" not in name else host_name(name)


def url_host(host: str) -> str:
    """How a link names a server bound to `host`: this machine's name when bound to every
    address, an IPv6 address in brackets."""
    if host in EVERY_ADDRESS:
        return socket.gethostname()
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def login_path(token: str) -> str:
    """The path of the login link for `token`."""
    return f"{LOGIN}?{urlencode({'token': token})}"


@dataclass(frozen=True)
class Guard:
    """What the app checks: the Host names it answers to (None: any) and its token (None:
    none needed)."""

    hosts: frozenset[str] | None = None
    token: str | None = None

    @classmethod
    def serving(cls, host: str, *, allow: Iterable[str] = (), token: str | None = None
                ) -> Guard:
        """The guard of `funnelwise serve --host HOST [--allow-host NAME ...]`."""
        names = {host, *allow}
        if is_loopback(host) or host in EVERY_ADDRESS:
            names |= LOOPBACK
        if host in EVERY_ADDRESS:
            names |= machine_names()
        hosts = frozenset(_plain(n) for n in names if n not in EVERY_ADDRESS)
        return cls(hosts=hosts, token=token or None)

    def serves(self, host: str) -> bool:
        return self.hosts is None or host_name(host) in self.hosts

    def admits(self, request: Request) -> bool:
        """True when no token is needed, or the request carries it (header or cookie)."""
        if self.token is None:
            return True
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and same_secret(given.strip(), self.token):
            return True
        return same_secret(request.cookies.get(COOKIE, ""), cookie_value(self.token))


def login(request: Request, guard: Guard, refuse: Refuse) -> Response:
    """`/login?token=...`: the right token sets the cookie and goes to the overview."""
    given = request.query_params.get("token", "")
    if guard.token is not None and not same_secret(given, guard.token):
        return refuse(request, 401, "this login link's token is not this dashboard's; ask "
                      "for the link `funnelwise serve` printed when it started")
    response = RedirectResponse("/", status_code=303)
    if guard.token is not None:
        response.set_cookie(COOKIE, cookie_value(guard.token), path="/",
                            max_age=COOKIE_DAYS * 86400, httponly=True, samesite="strict")
    return response


def unauthorized(request: Request, refuse: Refuse) -> Response:
    """401, with how to get in. A page opened by a link on another site arrives without
    the SameSite=Strict cookie; it is asked once more from this page (`Refresh: 0`), which
    sends the cookie when the browser has it, and is the plain 401 when it has not."""
    response = refuse(request, 401, (
        "this dashboard needs its token: open the login link `funnelwise serve` printed "
        "when it started (/login?token=...), or send the header "
        "'Authorization: Bearer <token>'"))
    response.headers["WWW-Authenticate"] = 'Bearer realm="funnelwise"'
    if (request.method == "GET" and request.headers.get("sec-fetch-site") == "cross-site"
            and request.headers.get("sec-fetch-mode") == "navigate"):
        response.headers["Refresh"] = "0"
    return response


class Guarded:
    """ASGI middleware: the Host check, the token check and the login route, then the
    security headers on every response that does not set its own policy."""

    def __init__(self, app: ASGIApp, *, guard: Guard, refuse: Refuse) -> None:
        self.app = app
        self.guard = guard
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        request = Request(scope)
        refused = self.check(request)
        if refused is not None:
            await refused(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def check(self, request: Request) -> Response | None:
        """The response that stops this request here, or None to serve it."""
        host = request.headers.get("host", "")
        if not self.guard.serves(host):
            return self.refuse(request, 400, f"Host {host_name(host) or '(none)'} is not "
                               "served here; to answer to this name, start `funnelwise "
                               "serve` with --allow-host NAME")
        path = request.url.path
        if path == LOGIN:
            return login(request, self.guard, self.refuse)
        if path.startswith(PUBLIC) or self.guard.admits(request):
            return None
        return unauthorized(request, self.refuse)


def _with_headers(send: Send) -> Send:
    """`send`, adding the security headers a response does not already carry."""
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {k.lower() for k, _ in message.get("headers", [])}
            extra = [(k, v) for k, v in raw_headers() if k not in present]
            message = {**message, "headers": [*message.get("headers", []), *extra]}
        await send(message)
    return sending
