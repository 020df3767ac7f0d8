"""Calibrated P10 / P90: the model's interval widened by how far its own earlier forecasts missed.

The Monte Carlo's interval holds the chance in outcomes and the doubt about the fitted
parameters, not the model's own error (a cycle that changed, a spike of deals, a rule of the
business the model does not know). That error is measured on the workspace itself, walked
forward with no look-ahead (`metrics.walk`): a forecast made at D of a period P is compared
with the same model's forecasts made j months earlier, at D - j months, of P shifted back j
months, for the 12 smallest j whose shifted period ended before D (so every such period's
actual is known at D; with a monthly backtest of quarters, the forecasts of three months
before and earlier). Each earlier forecast leaves a miss of the revenue still to come,

    r = log(actual / P50),  against the model's own spread s = log(P90 / P50) / z
                            (or log(P50 / P10) / z when the actual fell short), z = 1.2816,

and the model's error is the spread those misses show beyond its own:

    tau^2 = max(0, tau_0^2 + sum (r^2 - s^2)) / (n + 1)

(method of moments, with one prior earlier forecast that missed by tau_0 = 10% beyond its
spread: a quarter's revenue forecast from the pipeline rarely lands closer than that, and
the workspace's own misses take over as they accumulate; one miss does not decide alone).
With no earlier forecast yet (the history is shorter than a period and a quarter) tau is
tau_0. The interval of each group is widened on the log scale, with its asymmetry kept:

    P90' = P50 x exp(z sqrt(s_hi^2 + tau^2)),   P10' = P50 x exp(-z sqrt(s_lo^2 + tau^2))

for the revenue still to come (what is already won is added back). A group whose P10 is
already nothing keeps it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from funnelwise.forecast.base import Forecaster, Prediction
from funnelwise.forecast.snapshot import Snapshot, take_many
from funnelwise.metrics.walk import Look, Origin, walk
from funnelwise.periods import Period, add_months
from funnelwise.schema.crm import Crm

Z = 1.2815515655446004
EARLIER = 6
EARLIER_DRAWS = 500
PRIOR = 1.0
PRIOR_ERROR = 0.10


@dataclass(frozen=True)
class Miss:
    """An earlier forecast against what happened: log(actual / P50) of the revenue still to
    come, and the model's own log spread below and above its P50."""

    origin: dt.date
    period: Period
    error: float
    low: float
    high: float

    @property
    def excess(self) -> float:
        """r^2 - s^2: how much further it missed than the model's own spread on its side."""
        side = self.high if self.error >= 0 else self.low
        return self.error**2 - side**2


def shifted(period: Period, months: int) -> Period:
    """`period` moved by whole months (its length in months kept, ends at a month's end)."""
    end = add_months(period.end + dt.timedelta(days=1), months) - dt.timedelta(days=1)
    return Period(label=f"{period.label} {months:+d}m", start=add_months(period.start, months),
                  end=end)


def earlier(period: Period, as_of: dt.date, count: int = EARLIER) -> list[tuple[dt.date, Period]]:
    """The earlier forecasts a forecast of `period` at `as_of` is calibrated on: (origin,
    period) j months back, for the `count` smallest j whose period ended before `as_of`."""
    out: list[tuple[dt.date, Period]] = []
    j = 1
    while len(out) < count and j < 12 * 50:
        back = shifted(period, -j)
        if back.end < as_of:
            out.append((add_months(as_of, -j), back))
        j += 1
    return out


def spreads(groups: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per group: P50 of the revenue still to come, and its log spread below and above."""
    won = groups["won_so_far"].to_numpy(float)
    lo, mid, hi = (groups[c].to_numpy(float) - won for c in ("p10", "p50", "p90"))
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where((lo > 0) & (mid > 0), np.log(mid / lo) / Z, np.inf)
        high = np.where(mid > 0, np.log(np.maximum(hi, mid) / mid) / Z, np.inf)
    return mid, low, high


def won_between(won: pd.DataFrame, start: dt.date, end: dt.date) -> float:
    """Revenue of the won deals closed from the start of `start` to the end of `end`."""
    first, last = pd.Timestamp(start), pd.Timestamp(end + dt.timedelta(days=1))
    return float(won.loc[(won["closed_at"] >= first) & (won["closed_at"] < last),
                         "amount"].sum())


def miss(prediction: Prediction, won: pd.DataFrame) -> Miss | None:
    """How the forecast of its whole organisation missed (None when it forecast nothing to
    come, nothing came, or its spread is unknown)."""
    mid, low, high = (v[0] for v in spreads(prediction.groups.iloc[:1]))
    actual = won_between(won, max(prediction.as_of, prediction.period.start),
                         prediction.period.end)
    if mid <= 0 or actual <= 0:
        return None
    error = float(np.log(actual / mid))
    if not np.isfinite(high if error >= 0 else low):
        return None
    return Miss(origin=prediction.as_of, period=prediction.period, error=error, low=float(low),
                high=float(high))


def model_error(misses: Sequence[Miss]) -> float:
    """tau^2: the log variance of the misses beyond the model's own spread, with PRIOR
    earlier forecasts that missed by PRIOR_ERROR beyond it."""
    prior = PRIOR * PRIOR_ERROR**2
    return max(0.0, prior + sum(m.excess for m in misses)) / (len(misses) + PRIOR)


def widen(groups: pd.DataFrame, tau2: float) -> pd.DataFrame:
    """`groups` with P10 and P90 of the revenue still to come widened by tau^2 on the log
    scale around P50 (a group with nothing to come, or a P10 of nothing, keeps its bound)."""
    if tau2 <= 0:
        return groups
    won = groups["won_so_far"].to_numpy(float)
    mid, low, high = spreads(groups)
    with np.errstate(invalid="ignore", over="ignore"):
        lo = mid * np.exp(-Z * np.sqrt(low**2 + tau2))
        hi = mid * np.exp(Z * np.sqrt(high**2 + tau2))
    out = groups.copy()
    keep_lo = ~np.isfinite(low) | (mid <= 0)
    keep_hi = ~np.isfinite(high) | (mid <= 0)
    out["p10"] = np.where(keep_lo, groups["p10"], won + lo)
    out["p90"] = np.where(keep_hi, groups["p90"], won + hi)
    return out


Key = tuple[dt.date, dt.date, dt.date]


def _key(origin: dt.date, period: Period) -> Key:
    return origin, period.start, period.end


def _look(taken: Mapping[dt.date, Snapshot]) -> Look[Snapshot]:
    """Snapshots of the walked days: those already `taken`, the rest in one batch."""
    def look(crm: Crm, days: list[dt.date], today: dt.date) -> list[Snapshot]:
        missing = [d for d in days if d not in taken]
        fresh = dict(zip(missing, take_many(crm, missing, today=today), strict=True)
                     ) if missing else {}
        return [taken[d] if d in taken else fresh[d] for d in days]
    return look


def days_needed(pairs: Sequence[tuple[dt.date, Period]], first: dt.date | None) -> list[dt.date]:
    """The origins of the earlier forecasts of (as-of day, period) pairs that can be fitted
    (after the first deal), for taking their snapshots together with others."""
    return sorted({origin for day, period in pairs for origin, _ in earlier(period, day)
                   if first is not None and origin > first})


def misses(crm: Crm, cls: type[Forecaster], wanted: Sequence[tuple[dt.date, Period]], *,
           won: pd.DataFrame, draws: int, seed: int, today: dt.date,
           first: dt.date | None, known: Sequence[Prediction] = (),
           taken: Mapping[dt.date, Snapshot] | None = None) -> dict[Key, Miss | None]:
    """The miss of each wanted earlier forecast: from `known` predictions where one was made
    already, else fitted on the CRM as it stood at its origin (one walk over the new days,
    reading the snapshots already `taken` where there are)."""
    out: dict[Key, Miss | None] = {_key(p.as_of, p.period): miss(p, won) for p in known
                                   if p.by == "all"}
    todo: dict[dt.date, list[Period]] = {}
    for origin, period in wanted:
        if _key(origin, period) in out:
            continue
        if first is None or origin <= first:
            out[_key(origin, period)] = None
        elif period not in todo.setdefault(origin, []):
            todo[origin].append(period)

    def step(origin: Origin[Snapshot]) -> list[tuple[Key, Miss | None]]:
        model = cls(draws=min(draws, EARLIER_DRAWS), seed=seed).fit(
            origin.history, origin.day, taken=origin.seen)
        return [(_key(origin.day, p), miss(model.predict(p), won)) for p in todo[origin.day]]

    days = sorted(todo)
    if days:
        for found in walk(crm, days, step, look=_look(taken or {}), today=today):
            out.update(found)
    return out


def note(used: Sequence[Miss], tau2: float) -> str:
    """What the calibration did, for the notes."""
    if not used:
        return (f"P10/P90 widened by a model error of {np.sqrt(tau2):.0%} on the log scale "
                "(no earlier forecast of a period as long had ended yet to measure it on)")
    return (f"P10/P90 widened by the misses of {len(used)} earlier forecasts of periods as "
            f"long, made from {min(m.origin for m in used)} to {max(m.origin for m in used)} "
            f"(model error beyond the simulation's spread: {np.sqrt(tau2):.1%} on the log "
            "scale)")


def calibrate(crm: Crm, cls: type[Forecaster], predictions: Sequence[Prediction], *,
              won: pd.DataFrame, draws: int, seed: int, today: dt.date,
              first: dt.date | None,
              taken: Mapping[dt.date, Snapshot] | None = None) -> list[Prediction]:
    """Each prediction with P10/P90 widened by the misses of its own earlier forecasts
    (`earlier`), each of which ended before the prediction's as-of day. `taken`: snapshots
    of their days already taken (`days_needed` names them)."""
    plans = {id(p): earlier(p.period, p.as_of) for p in predictions}
    wanted = sorted({pair for plan in plans.values() for pair in plan},
                    key=lambda pair: (pair[0], pair[1].start))
    found = misses(crm, cls, wanted, won=won, draws=draws, seed=seed, today=today,
                   first=first, known=predictions, taken=taken)
    out = []
    for p in predictions:
        used = [m for origin, period in plans[id(p)]
                if (m := found.get(_key(origin, period))) is not None]
        tau2 = model_error(used)
        out.append(dataclasses.replace(p, groups=widen(p.groups, tau2),
                                       notes=(*p.notes, note(used, tau2))))
    return out
