"""What every forecaster shares: fit on the CRM as of a day, predict a period with P10/P50/P90.

A forecaster is a small subclass that says, for one period, how likely each open deal is to be
won inside it (`deal_probabilities`) and how much revenue should come from wins not yet in the
pipeline (`flow`). This base class does the rest: rewinds the CRM to `as_of` (a `Snapshot`, so
a fit never sees the future), adds what was already won in the period, groups by rep or team
and turns the parts into P10/P50/P90 by Monte Carlo (`montecarlo`).

    model = get("funnelwise")().fit(crm, dt.date(2017, 7, 1))
    model.predict(parse_period("2017-Q3"), by="team").groups

Fitted attributes end in `_` (`as_of_`, `snapshot_`, `open_`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar, Self

import ibis
import numpy as np
import pandas as pd

from funnelwise.errors import InternalError, unknown_name
from funnelwise.forecast.montecarlo import Flow, Sets, quantiles, simulate
from funnelwise.forecast.snapshot import Snapshot, take
from funnelwise.formats import words
from funnelwise.metrics.asof import cutoff
from funnelwise.metrics.dimensions import ALL, NONE, REP_DIMENSIONS, check_by
from funnelwise.periods import Period
from funnelwise.schema.crm import Crm

BY = ("all", *REP_DIMENSIONS)
DRAWS = 4000
GROUP_COLUMNS = ["key", "won_so_far", "open_deals", "open_amount", "open_expected",
                 "new_expected", "expected", "p10", "p50", "p90"]


@dataclass(frozen=True)
class Prediction:
    """A forecast of one period: per-group figures and the deal-level probabilities."""

    method: str
    period: Period
    as_of: dt.date
    by: str
    groups: pd.DataFrame
    deals: pd.DataFrame
    notes: tuple[str, ...] = ()


def window(period: Period, as_of: dt.date) -> tuple[float, float]:
    """The period as day offsets from the start of `as_of`: [start, end + 1 day)."""
    return float((period.start - as_of).days), float((period.end - as_of).days + 1)


class Forecaster:
    """Base class: `fit(history, as_of)` returns self; `predict(period)` gives P10/P50/P90."""

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    label: ClassVar[str] = ""  # what a manager reads; the name in words when empty
    calibrated: ClassVar[bool] = False  # P10/P90 widened by its earlier misses (calibration)

    def __init__(self, *, draws: int = DRAWS, seed: int = 0) -> None:
        self.draws = draws
        self.seed = seed

    def fit(self, history: Crm, as_of: dt.date, *, taken: Snapshot | None = None) -> Self:
        """Rewind `history` to the start of `as_of` and learn from what was known then.

        `taken` is that day's snapshot, when it was already taken (backtests share one).
        """
        shot = taken if taken is not None and taken.as_of == as_of else take(history, as_of)
        self.as_of_ = as_of
        self.snapshot_ = shot
        self.open_ = shot.open
        self._fit()
        return self

    def _fit(self) -> None:
        """Learn the method's parameters from `self.snapshot_`."""

    def deal_probabilities(self, period: Period) -> np.ndarray:
        """P(won inside `period`) of each row of `self.open_`."""
        return np.zeros(len(self.open_))

    def flow(self, period: Period) -> Flow:
        """Expected wins not in today's pipeline, per rep (none by default)."""
        return Flow()

    def parameter_sets(self, period: Period) -> Sets | None:
        """Deal probabilities and flow wins under parameter sets drawn from their posterior,
        for a Monte Carlo that holds the doubt about the parameters (none by default)."""
        return None

    def notes(self) -> tuple[str, ...]:
        return ()

    def won_so_far(self, period: Period) -> pd.DataFrame:
        """Won amount per rep, closed inside the period before the start of `as_of`."""
        if self.as_of_ <= period.start:
            return pd.DataFrame({"owner_rep_id": pd.Series(dtype=str),
                                 "won_so_far": pd.Series(dtype=float)})
        o = self.snapshot_.view().opportunities
        start = ibis.timestamp(dt.datetime.combine(period.start, dt.time()))
        end = ibis.timestamp(dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time()))
        won = o.filter(o.status == "won", o.closed_at >= start, o.closed_at < end,
                       o.closed_at < cutoff(self.as_of_))
        return won.group_by("owner_rep_id").aggregate(
            won_so_far=won.amount.fill_null(0.0).sum()).to_pandas()

    def keys(self, reps: pd.Series, by: str) -> pd.Series:
        """Group key of each rep id for `by` (all, rep, manager, team, region)."""
        check_by(by, BY)
        if by == "all":
            return pd.Series(ALL, index=reps.index, dtype=object)
        if by == "rep":
            return reps.astype(str)
        table = self.snapshot_.history.reps
        known = table.select(rep_id=table.rep_id, value=table[by]).to_pandas()
        mapping = dict(zip(known["rep_id"], known["value"], strict=True))
        return reps.map(mapping).fillna(NONE).astype(str)

    def predict(self, period: Period, *, by: str = "all") -> Prediction:
        """Revenue won in `period`, per group: expected value, P10, P50 and P90."""
        if not hasattr(self, "snapshot_"):
            raise InternalError(f"{type(self).__name__}.predict called before fit")
        deals = self.open_.assign(p=self.deal_probabilities(period))
        deals["key"] = self.keys(deals["owner_rep_id"], by)
        flow = self.flow(period)
        flow.reps["key"] = self.keys(flow.reps["owner_rep_id"], by)
        won = self.won_so_far(period)
        won["key"] = self.keys(won["owner_rep_id"], by)
        groups = _summarise(deals, flow, won, draws=self.draws, seed=self.seed,
                            sets=self.parameter_sets(period))
        return Prediction(method=self.name, period=period, as_of=self.as_of_, by=by,
                          groups=groups, deals=deals, notes=self.notes())


def _summarise(deals: pd.DataFrame, flow: Flow, won: pd.DataFrame, *, draws: int,
               seed: int, sets: Sets | None = None) -> pd.DataFrame:
    keys = sorted(set(deals["key"]) | set(flow.reps["key"]) | set(won["key"])) or [ALL]
    frame = pd.DataFrame({"key": keys})
    frame["won_so_far"] = frame["key"].map(won.groupby("key")["won_so_far"].sum()).fillna(0.0)
    by_key = deals.groupby("key")
    frame["open_deals"] = frame["key"].map(by_key.size()).fillna(0).astype(int)
    frame["open_amount"] = frame["key"].map(by_key["amount"].sum()).fillna(0.0)
    expected = deals["amount"] * deals["p"]
    frame["open_expected"] = frame["key"].map(expected.groupby(deals["key"]).sum()).fillna(0.0)
    new = flow.expected.groupby(flow.reps["key"]).sum()
    frame["new_expected"] = frame["key"].map(new).fillna(0.0)
    frame["expected"] = frame["won_so_far"] + frame["open_expected"] + frame["new_expected"]
    q = quantiles(simulate(deals, flow, keys, draws=draws, seed=seed))
    if sets is not None:
        q = spread(q[1], quantiles(simulate(deals, flow, keys, draws=draws, seed=seed,
                                            sets=sets)))
    q = q + frame["won_so_far"].to_numpy()[None, :]
    frame["p10"], frame["p50"], frame["p90"] = q[0], q[1], q[2]
    return frame[GROUP_COLUMNS]


def spread(median: np.ndarray, mixed: np.ndarray) -> np.ndarray:
    """(3, groups): the P50 of the fitted parameters with P10 and P90 at the ratios to it that
    the draws over parameter sets give, P10 = P50 x mixed P10 / mixed P50 (and P90 alike):
    the doubt about the parameters widens the interval, the fitted model places it. Where
    the mixed P50 is 0, its P10 and P90 are taken as they are."""
    centre = mixed[1]
    scale = np.divide(median, centre, out=np.ones_like(median), where=centre > 0)
    out = np.vstack([mixed[0] * scale, median, mixed[2] * scale])
    out[0] = np.minimum(out[0], median)
    out[2] = np.maximum(out[2], median)
    return out


REGISTRY: dict[str, type[Forecaster]] = {}


def register(cls: type[Forecaster]) -> type[Forecaster]:
    """Make a forecaster available by its `name` (built-ins and third parties alike)."""
    REGISTRY[cls.name] = cls
    return cls


def label_of(name: str) -> str:
    """The label of the method registered as `name` (its name in words when it has none)."""
    cls = REGISTRY.get(name)
    return (cls.label if cls and cls.label else "") or words(name).capitalize()


def get(name: str) -> type[Forecaster]:
    """The forecaster class registered as `name`."""
    if name not in REGISTRY:
        raise unknown_name("forecast method", name, REGISTRY)
    return REGISTRY[name]
