"""The dashboard's views as one self-contained HTML file, for an e-mail attachment.

Every page in `web.views.PAGES` is rendered once per instance (the team overview once, the
rep page once per rep in scope) with the same data functions and templates as the dashboard;
the stylesheet and Plotly's JavaScript are inlined, links become in-page anchors, and the file
makes no network request when opened.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from funnelwise.schema.crm import Crm
from funnelwise.web import render
from funnelwise.web.context import Context, make_context
from funnelwise.web.filters import Filters
from funnelwise.web.views import PAGES


def sections(ctx: Context) -> list[dict[str, Any]]:
    """Each page instance's data and charts, in navigation order."""
    out = []
    for page in PAGES:
        for params in page.instances(ctx):
            data = page.build(ctx, **params)
            prefix = page.anchor(params) + "-"
            out.append(render.section(page, data, params, prefix=prefix))
    return out


def report_html(org: Crm, filters: Filters, *, generated: dt.datetime | None = None) -> str:
    """The whole report for `filters` as one HTML document (with what the workspace keeps
    for its data, such as its measured accuracy: `Crm.kept`)."""
    ctx = make_context(org, filters)
    latest = ctx.latest()
    when = generated or dt.datetime.now().replace(microsecond=0)
    return render.render(
        "_report.html", sections=sections(ctx), description=filters.describe(),
        latest=latest.isoformat() if latest else None, generated=when.isoformat(sep=" "),
        **render.chrome(query="", inline=True),
    )
