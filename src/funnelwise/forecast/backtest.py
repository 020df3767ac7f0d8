"""Walk-forward backtest: every method, refitted at each origin on the CRM as it stood then.

The origins are walked by `metrics.walk`: at each origin D the methods are fitted on the CRM
as of D (the snapshots of every origin are taken at once; nothing dated on or after D is seen)
and predict the period [D, D + horizon); the actual is the revenue won in that period in
today's data. Per method, over the origins:

    WAPE     = sum |P50 - actual| / sum actual        (weighted absolute percentage error)
    bias     = sum (P50 - actual) / sum actual        (+ = forecasts too high)
    coverage = share of origins with P10 <= actual <= P90 (80% if the intervals are honest)
    Brier    = mean over deals open at each origin of (p - won inside the period)^2
               (`metrics.brier`)

Origins whose period ends on or after the data's last day are left out (their actual is not
complete yet). Run rate has no deal-level probabilities, so no Brier score.

A method that calibrates its interval (`Forecaster.calibrated`: funnelwise) widens P10 / P90
at each origin by the misses of its own earlier forecasts whose periods ended before that
origin (`calibration`); those earlier forecasts are the backtest's own where it made them, else
fitted on the CRM as it stood at their day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from funnelwise.errors import UserError
from funnelwise.forecast.base import Prediction, get
from funnelwise.forecast.calibration import calibrate, days_needed
from funnelwise.forecast.horizon import Horizon
from funnelwise.forecast.snapshot import Snapshot, take_many
from funnelwise.metrics.brier import brier
from funnelwise.metrics.span import as_date, data_span
from funnelwise.metrics.walk import Look, Origin, walk
from funnelwise.periods import Period
from funnelwise.schema.crm import Crm

DRAWS = 2000
ORIGIN_COLUMNS = ["method", "origin", "period_start", "period_end", "actual", "expected",
                  "p10", "p50", "p90", "error", "covered", "brier", "open_deals"]
SUMMARY_COLUMNS = ["method", "origins", "actual", "forecast", "wape", "bias", "coverage",
                   "brier"]


@dataclass(frozen=True)
class Backtest:
    """Per-origin forecasts against actuals, and the per-method scores."""

    horizon: Horizon
    origins: pd.DataFrame
    summary: pd.DataFrame
    notes: tuple[str, ...] = ()


def won_deals(crm: Crm) -> pd.DataFrame:
    """Every won deal in today's data: id, close time and amount (the actuals)."""
    o = crm.opportunities
    won = o.filter(o.status == "won", o.closed_at.notnull())
    return won.select("opportunity_id", "closed_at", amount=won.amount.fill_null(0.0)).to_pandas()


def _inside(won: pd.DataFrame, period: Period) -> pd.DataFrame:
    start = pd.Timestamp(period.start)
    end = pd.Timestamp(period.end + dt.timedelta(days=1))
    return won[(won["closed_at"] >= start) & (won["closed_at"] < end)]


def period_brier(prediction: Prediction, won_inside: pd.DataFrame) -> float:
    """The Brier score of each open deal's probability of winning inside the period against
    whether it did (NaN for the run rate, which has no deal probabilities)."""
    deals = prediction.deals
    if prediction.method == "run_rate" or deals.empty:
        return float("nan")
    return brier(deals["p"], deals["opportunity_id"].isin(won_inside["opportunity_id"])
                 .astype(float))


def _row(prediction: Prediction, won: pd.DataFrame) -> dict[str, object]:
    inside = _inside(won, prediction.period)
    actual = float(inside["amount"].sum())
    g = prediction.groups.iloc[0]
    return {
        "method": prediction.method, "origin": prediction.as_of,
        "period_start": prediction.period.start, "period_end": prediction.period.end,
        "actual": actual, "expected": float(g["expected"]), "p10": float(g["p10"]),
        "p50": float(g["p50"]), "p90": float(g["p90"]), "error": float(g["p50"]) - actual,
        "covered": bool(g["p10"] <= actual <= g["p90"]), "brier": period_brier(prediction, inside),
        "open_deals": int(g["open_deals"]),
    }


def summarise(rows: pd.DataFrame) -> pd.DataFrame:
    """Per method: WAPE, bias, coverage of the P10-P90 interval and Brier score."""
    out = []
    for method, g in rows.groupby("method", sort=False):
        actual = float(g["actual"].sum())
        scale = actual if actual > 0 else float("nan")
        out.append({
            "method": method, "origins": len(g), "actual": actual,
            "forecast": float(g["p50"].sum()),
            "wape": float(g["error"].abs().sum()) / scale,
            "bias": float(g["error"].sum()) / scale,
            "coverage": float(g["covered"].mean()),
            "brier": float(g["brier"].mean()) if g["brier"].notna().any() else float("nan"),
        })
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


def usable_origins(crm: Crm, candidates: Sequence[dt.date],
                   horizon: Horizon) -> tuple[list[dt.date], tuple[str, ...]]:
    """Origins whose period ends before the data does, and a note on any left out."""
    today = data_span(crm).today
    keep = [d for d in candidates if horizon.period(d).end < today]
    dropped = [d for d in candidates if d not in keep]
    if not keep:
        raise UserError(f"no origin has a complete {horizon.label} period before the data ends "
                        f"({today - dt.timedelta(days=1)}); choose earlier origins")
    notes = (f"left out (period not over in the data): {', '.join(map(str, dropped))}",)
    return keep, notes if dropped else ()


def _snapshots(extra: list[dt.date], taken: dict[dt.date, Snapshot]) -> Look[Snapshot]:
    """The walk's snapshots, taken in one batch with those of the `extra` days (the earlier
    forecasts a calibration needs), which are kept in `taken`."""
    def look(crm: Crm, days: list[dt.date], today: dt.date) -> list[Snapshot]:
        every = sorted(set(days) | set(extra))
        taken.update(zip(every, take_many(crm, every, today=today), strict=True))
        return [taken[d] for d in days]
    return look


def _bare_notes(shots: Sequence[Snapshot]) -> list[str]:
    """How many open deals each origin saw with no stage history of their time."""
    counts = [(s.as_of, s.bare, len(s.open)) for s in shots if s.bare]
    if not counts:
        return []
    each = ", ".join(f"{d}: {n:,} of {m:,}" for d, n, m in counts)
    return [f"open deals with no stage history before their origin, placed at the funnel's "
            f"first open stage (their stage then is not known): {each}"]


def run_backtest(crm: Crm, *, methods: Sequence[str], origins: Sequence[dt.date],
                 horizon: Horizon, draws: int = DRAWS, seed: int = 0) -> Backtest:
    """Fit every method at every origin (on the as-of view) and score it on the actuals."""
    classes = [get(m) for m in methods]
    keep, dropped = usable_origins(crm, origins, horizon)
    won = won_deals(crm)

    def predict(origin: Origin[Snapshot]) -> list[Prediction]:
        period, seen = horizon.period(origin.day), origin.crm
        return [cls(draws=draws, seed=seed).fit(seen, origin.day, taken=origin.seen)
                .predict(period) for cls in classes]

    today = data_span(crm).today
    first = as_date(crm.opportunities.created_at.min().execute())
    extra = days_needed([(d, horizon.period(d)) for d in keep], first) if any(
        cls.calibrated for cls in classes) else []
    taken: dict[dt.date, Snapshot] = {}
    each = walk(crm, keep, predict, look=_snapshots(extra, taken), today=today)
    for i, cls in enumerate(classes):
        if cls.calibrated:
            done = calibrate(crm, cls, [e[i] for e in each], won=won, draws=draws, seed=seed,
                             today=today, first=first, taken=taken)
            for e, p in zip(each, done, strict=True):
                e[i] = p
    predictions = [p for e in each for p in e]
    frame = pd.DataFrame([_row(p, won) for p in predictions], columns=ORIGIN_COLUMNS)
    frame["brier"] = frame["brier"].astype(float)
    notes = [*dropped, *_bare_notes([taken[d] for d in keep if d in taken]),
             *(f"{p.as_of} {p.method}: {n}" for p in predictions for n in p.notes
               if n.startswith("no deal"))]
    return Backtest(horizon=horizon, origins=frame, summary=summarise(frame), notes=tuple(notes))
