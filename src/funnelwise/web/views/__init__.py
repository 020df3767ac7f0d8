"""The dashboard's pages, in navigation order. A new page: a module here and its template."""

from __future__ import annotations

from funnelwise.web.page import Page
from funnelwise.web.views import check, coaching, forecast, overview, pipeline, plan, rep

PAGES: tuple[Page, ...] = (overview.PAGE, plan.PAGE, pipeline.PAGE, coaching.PAGE, forecast.PAGE,
                           check.PAGE, rep.PAGE)
