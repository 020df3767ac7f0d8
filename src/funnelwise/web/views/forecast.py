"""Forecast page: the next period's revenue per method (P10/P50/P90) and the walk-forward
backtest that says how far to trust each method.

The figures are the CLI's JSON for the same inputs (`commands` in the data spells them out):
`forecast --period <next period> --method all --as-of <as-of>` (the rows) and
`backtest --from <first origin> --to <last origin> --horizon <horizon> --method all` (the
object with `backtest`, `backtest_origins` and `notes`).

- Manager and team restrict the reps: both the forecast and the backtest use only their deals.
- The period filter sets the as-of day. With `until`, the forecast and the backtest see the CRM
  as it stood at the end of that day (as-of = until + 1 day); without it, the day after the
  latest record (the CLI's default). `since` is not used: the backtest always takes the
  origins just before the as-of day.
- `horizon` (default `1q`, as the CLI's backtest) is the length of the forecast period, a
  calendar month (`1m`), quarter (`1q`) or year (`1y`): the one containing the as-of day if a
  third of it remains, else the next (`periods.default_period`, as `forecast` chooses it).
  Each backtest origin forecasts the same length from its own day.
- `origins` (default 4): at most this many origins, one horizon apart, the last one a horizon
  before the as-of day; origins before the first deal in the data are left out.

`calls` is the "Calls" section (`views.calls`, also `/api/calls`): each rep's commit and best
case for the forecast period as of the same day, the model's view of the same deals and the
reps' records, rolled up per manager.

The backtest runs 500 Monte Carlo draws per forecast instead of the CLI's 2,000 (the command
shown says `--draws 500`), which keeps a first visit to about 3 s of CPU on the 20-rep demo;
the forecast itself keeps the CLI's 4,000; the calls add about 2 s. Results are kept per
filters, horizon and origins for as long as the dashboard keeps the filters' results (until
the workspace changes).
"""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from funnelwise.errors import UserError
from funnelwise.forecast import backtest as bt
from funnelwise.forecast import base
from funnelwise.forecast import horizon as horizons
from funnelwise.forecast.horizon import Horizon, parse_horizon
from funnelwise.forecast.results import backtest_results, forecast_result, method_names
from funnelwise.metrics.result import MetricResult
from funnelwise.metrics.span import as_date
from funnelwise.periods import Kind, Period, add_months, default_period
from funnelwise.presentation import accuracy as accuracy_view
from funnelwise.presentation import forecast as views
from funnelwise.web.charts import accuracy as accuracy_charts
from funnelwise.web.charts import forecast as forecast_charts
from funnelwise.web.context import Context
from funnelwise.web.page import Data, Page
from funnelwise.web.views import calls

DEFAULT_HORIZON = "1q"
DEFAULT_ORIGINS = 4
MAX_ORIGINS = 12
METHODS = "all"
OURS = "funnelwise"
FORECAST_DRAWS = base.DRAWS
BACKTEST_DRAWS = 500
UNITS = {1: "month", 3: "quarter", 12: "year"}


def horizon_of(text: str | None) -> Horizon:
    """The page's horizon: one calendar month, quarter or year (a user error otherwise)."""
    horizon = parse_horizon(text or DEFAULT_HORIZON)
    if horizon.months not in UNITS:
        raise UserError(f"horizon {horizon.label!r} is not one month, quarter or year: this "
                        "page forecasts the next calendar period, so use 1m, 1q or 1y "
                        "(the CLI's backtest takes any horizon)")
    return horizon


def origin_count(text: str | None) -> int:
    """How many backtest origins to try, 1 to MAX_ORIGINS."""
    raw = (text or "").strip() or str(DEFAULT_ORIGINS)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ORIGINS:
        raise UserError(f"origins={raw!r} is not a whole number from 1 to {MAX_ORIGINS}")
    return int(raw)


KINDS: dict[int, Kind] = {1: "month", 3: "quarter", 12: "year"}


def next_period(as_of: dt.date, horizon: Horizon) -> Period:
    """The calendar month, quarter or year (by the horizon) the page forecasts: the default
    period of the as-of day, as the CLI's `forecast` chooses it."""
    return default_period(as_of, KINDS[horizon.months])


def backtest_days(as_of: dt.date, horizon: Horizon, count: int,
                  first_day: dt.date | None) -> list[dt.date]:
    """Up to `count` origins one horizon apart, the last one a horizon before `as_of`, none
    before the first deal; exactly what `backtest --from <first> --to <last>` walks."""
    last = add_months(as_of, -horizon.months)
    candidates = horizons.origins(add_months(last, -horizon.months * (count - 1)), last,
                                  horizon)
    kept = [d for d in candidates if first_day is not None and d >= first_day]
    return horizons.origins(kept[0], kept[-1], horizon) if kept else []


def as_of_day(ctx: Context) -> dt.date:
    """The page's as-of day: the day after `until` when it is set, else the data's today."""
    return ctx.as_of()


def first_deal(ctx: Context) -> dt.date | None:
    """The day the org's first deal was created."""
    o = ctx.org.opportunities
    return ctx.remember(("forecast", "first_deal"),
                       lambda: as_date(o.created_at.min().execute()))


def commands(period: Period, as_of: dt.date, horizon: Horizon, days: list[dt.date]) -> Data:
    """The CLI commands that print the same figures (over the whole org)."""
    def draws(n: int, default: int) -> str:
        return "" if n == default else f" --draws {n}"

    out = {"forecast": f"funnelwise forecast --period {period.label} --method {METHODS} "
                       f"--as-of {as_of}{draws(FORECAST_DRAWS, base.DRAWS)}"}
    if days:
        out["backtest"] = (f"funnelwise backtest --from {days[0]} --to {days[-1]} "
                           f"--horizon {horizon.label} --method {METHODS}"
                           f"{draws(BACKTEST_DRAWS, bt.DRAWS)}")
    return out


def run_forecast(ctx: Context, period: Period, as_of: dt.date) -> MetricResult:
    """`forecast --method all` of the period over the scope's deals."""
    return ctx.remember(("forecast", period.label, as_of), lambda: forecast_result(
        ctx.crm, period=period, as_of=as_of, methods=method_names(METHODS),
        draws=FORECAST_DRAWS))


def run_backtest(ctx: Context, horizon: Horizon,
                 days: list[dt.date]) -> tuple[Data | None, str | None]:
    """The CLI's backtest JSON over the scope's deals, or None and why there is none."""
    if not days:
        return None, (f"Not enough history for a {horizon.label} backtest: every origin would "
                      "come before the first deal. Try a shorter horizon.")

    def compute() -> tuple[Data | None, str | None]:
        try:
            b = bt.run_backtest(ctx.crm, methods=method_names(METHODS), origins=days,
                                horizon=horizon, draws=BACKTEST_DRAWS)
        except UserError as exc:
            return None, f"No backtest: {exc}."
        return views.results_doc(backtest_results(b)), None

    return ctx.remember(("backtest", horizon.label, tuple(days)), compute)


def build(ctx: Context, horizon: str | None = None, origins: str | None = None) -> Data:
    """The next period's forecast per method and the backtest behind it, for the filters."""
    span, count = horizon_of(horizon), origin_count(origins)
    as_of, first_day = as_of_day(ctx), first_deal(ctx)
    if first_day is None or as_of <= first_day:
        raise UserError(f"nothing to forecast from: the first deal was created on {first_day}, "
                        f"after until={ctx.filters.until}; choose a later date")
    period = next_period(as_of, span)
    days = backtest_days(as_of, span, count, first_day)
    result = run_forecast(ctx, period, as_of)
    backtest, missing = run_backtest(ctx, span, days)
    return {
        "title": "Forecast",
        "scope": ctx.filters.scope.describe(),
        "whole_org": ctx.filters.scope.is_everyone,
        "as_of": as_of.isoformat(),
        "period": period.record() | {"unit": UNITS[span.months]},
        "horizon": span.label,
        "origins_asked": count,
        "origins": [d.isoformat() for d in days],
        "draws": {"forecast": FORECAST_DRAWS, "backtest": BACKTEST_DRAWS},
        "commands": commands(period, as_of, span, days),
        "forecast": result.records(),
        "forecast_notes": list(result.notes),
        "backtest": backtest,
        "backtest_missing": missing,
        "verdict": (views.backtest_verdict(backtest["backtest"], ours=OURS)
                    if backtest else missing),
        "calls": calls.section(ctx, period=period, as_of=as_of),
        "accuracy": accuracy_view.page_doc(ctx.accuracy()),
    }


def figures(data: Data) -> dict[str, go.Figure]:
    """The next period per method, and the backtest's forecasts against the actuals."""
    rows = data["backtest"]["backtest_origins"] if data["backtest"] else []
    return {
        "next_period": forecast_charts.forecast_figure(data["forecast"]),
        "backtest": forecast_charts.backtest_actual_figure(rows),
        **calls.figures(data["calls"]),
        "reliability": accuracy_charts.reliability_figure(data["accuracy"]["reliability"]),
    }


PAGE = Page(name="forecast", title="Forecast", route="/forecast", api_route="/forecast",
            build=build, charts=figures)
