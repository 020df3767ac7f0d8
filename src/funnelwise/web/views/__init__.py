"""The dashboard's pages, in navigation order. A new page: a module here and its template."""

from __future__ import annotations

from funnelwise.web.page import Page
from funnelwise.web.views import (
    calls,
    changes,
    check,
    coaching,
    forecast,
    overview,
    pipeline,
    plan,
    rep,
)

# changes and calls are sections of the pipeline and forecast pages, shown alone and as JSON
PAGES: tuple[Page, ...] = (overview.PAGE, plan.PAGE, pipeline.PAGE, changes.PAGE, coaching.PAGE,
                           forecast.PAGE, calls.PAGE, check.PAGE, rep.PAGE)
