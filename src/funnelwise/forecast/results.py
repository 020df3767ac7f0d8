"""Forecasts and backtests as `MetricResult`s: what the CLI, the web pages and reports show.

    forecast_result(crm, period=parse_period("2017-Q4"), as_of=dt.date(2017, 10, 1))
    backtest_results(run_backtest(crm, methods=METHODS, origins=..., horizon=...))
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd

from funnelwise.forecast.backtest import Backtest, won_deals
from funnelwise.forecast.base import DRAWS, REGISTRY, get, label_of
from funnelwise.forecast.calibration import calibrate, days_needed
from funnelwise.forecast.snapshot import take_many
from funnelwise.metrics.asof import as_of as view_at
from funnelwise.metrics.asof import opportunities_as_of
from funnelwise.metrics.result import MetricResult, deferred_sql
from funnelwise.metrics.span import as_date, data_span
from funnelwise.periods import Period, default_period
from funnelwise.schema.crm import Crm

ALL_METHODS = "all"
FORECAST_COLUMNS = ["method", "method_label", "key", "period", "as_of", "won_so_far", "open_deals",
                    "open_amount", "open_expected", "new_expected", "expected", "p10", "p50",
                    "p90", "caveat"]


def method_names(method: str) -> tuple[str, ...]:
    """`all` or one registered method name, as a tuple of names (unknown names are errors)."""
    if method == ALL_METHODS:
        built_in = ("funnelwise", "stage_weighted", "run_rate")
        return (*built_in, *(m for m in REGISTRY if m not in built_in))
    get(method)
    return (method,)


def forecast_result(crm: Crm, *, period: Period | None = None, as_of: dt.date | None = None,
                    by: str = "all", methods: Sequence[str] = ("funnelwise",),
                    draws: int = DRAWS, seed: int = 0) -> MetricResult:
    """Each method's forecast of `period` per group, fitted on the CRM as of `as_of`.

    `as_of` defaults to the data's today and `period` to `periods.default_period` of it; a
    period or day outside the data is a user error naming its span.
    """
    span = data_span(crm)
    at = view_at(crm, as_of, span)
    period = span.check(period, "period") if period else default_period(at.day)
    day = at.day
    calibrated = any(get(name).calibrated for name in methods)
    extra = days_needed([(day, period)], _first(crm)) if calibrated else []
    shots = take_many(crm, [day, *extra], today=span.today)
    shot, taken = shots[0], dict(zip(extra, shots[1:], strict=True))
    frames, notes = [], []
    reach = _reach(shot.first_created, period, day)
    won = won_deals(crm) if calibrated else None
    for name in methods:
        model = get(name)(draws=draws, seed=seed).fit(crm, day, taken=shot)
        prediction = model.predict(period, by=by)
        if model.calibrated and won is not None:
            prediction = calibrate(crm, type(model), [prediction], won=won, draws=draws,
                                   seed=seed, today=span.today, first=shot.first_created,
                                   taken=taken)[0]
        frames.append(prediction.groups.assign(method=name, method_label=label_of(name),
                                               period=period.label,
                                               as_of=day.isoformat(),
                                               caveat=reach[0] if reach else None))
        notes += [f"{label_of(name)}: {n}" for n in prediction.notes]
    frame = pd.concat(frames, ignore_index=True)[FORECAST_COLUMNS]
    notes += reach
    o = crm.opportunities
    undated = int(o.filter(o.status == "open", o.created_at.isnull()).count().execute())
    if undated and at.now:
        notes.append(f"{undated} open deals have no creation date and are left out "
                     "(they cannot be aged)")
    return MetricResult(
        name="forecast", frame=frame, sql=deferred_sql(opportunities_as_of(crm, day)),
        filters={"period": f"{period.label} ({period.start} to {period.end})",
                 "as_of": f"{day} (the CRM as it stood at the start of that day)", "by": by,
                 "methods": ", ".join(methods), "draws": draws, "seed": seed},
        notes=(*notes, "P10/P50/P90: percentiles of simulated revenue (open deals won or "
                       "not, Poisson wins from deals to come), plus what is already won; "
                       "funnelwise also draws its parameters and widens P10/P90 by the "
                       "misses of its earlier forecasts"),
    )


def _first(crm: Crm) -> dt.date | None:
    """The day the first deal was created."""
    return as_date(crm.opportunities.created_at.min().execute())


def _reach(first_created: dt.date | None, period: Period, day: dt.date) -> list[str]:
    """A note when the forecast reaches further ahead than the history of deal creation it
    learns from (deals to come are projected from that history's rate)."""
    ahead = (period.end - day).days + 1
    history = (day - first_created).days if first_created else 0
    if ahead <= history:
        return []
    return [f"the period ends {ahead} days after {day}, but deals have been created for only "
            f"{history} days before it: deals to come are extrapolated further ahead than the "
            "history shows, so read them with care"]


def backtest_results(b: Backtest) -> tuple[MetricResult, MetricResult]:
    """The per-method scores and the per-origin rows of a backtest."""
    filters = {"horizon": b.horizon.label, "origins": len(b.origins["origin"].unique())}
    origins = b.origins.assign(origin=b.origins["origin"].astype(str),
                               period_start=b.origins["period_start"].astype(str),
                               period_end=b.origins["period_end"].astype(str))
    notes = (*b.notes, "each origin: methods fitted on the CRM as it stood at the start of "
                       "that day; actual = revenue won in the period in today's data",
             "WAPE = sum |P50 - actual| / sum actual; bias = sum (P50 - actual) / sum actual; "
             "coverage = share of origins with P10 <= actual <= P90 (80% if honest)")
    return (MetricResult(name="backtest", frame=labelled(b.summary), sql="", filters=filters,
                         notes=notes),
            MetricResult(name="backtest_origins", frame=labelled(origins), sql="",
                         filters=filters))


def labelled(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with each method's label beside its name (`method_label`)."""
    out = frame.drop(columns=["method_label"], errors="ignore")
    at = list(out.columns).index("method") + 1
    out.insert(at, "method_label", [label_of(m) for m in out["method"]])
    return out
