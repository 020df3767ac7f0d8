"""The dashboard's pages, in navigation order. A new page: a module here and its template."""

from __future__ import annotations

from funnelwise.web.page import Page
from funnelwise.web.views import overview, rep

PAGES: tuple[Page, ...] = (overview.PAGE, rep.PAGE)
