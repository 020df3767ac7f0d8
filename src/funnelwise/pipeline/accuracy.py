"""How far to trust the forecast and the deal probabilities on this workspace's own history:
measured once per import, kept in the workspace, said beside every forecast, review and brief.

- **the forecast**: the `funnelwise` method's walk-forward backtest (`forecast.backtest`,
  no look-ahead) from monthly origins over the last year whose quarter is over in the data
  (the first a quarter after the first record, so each fit has a quarter to learn from; what
  `funnelwise backtest` replays with no dates): how many of the quarters' actuals the P10-P90
  band held, WAPE and bias;
- **the deal probabilities**: the review's calibration (`pipeline.calibration`, its default
  dates): Brier score against the team's constant win rate, and the reliability table
  (predicted against observed by tenth of probability).

Either part may be missing, with the reason (too little history, no deal closed since).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from funnelwise.errors import UserError
from funnelwise.frames import plain, records
from funnelwise.metrics.span import data_span
from funnelwise.periods import add_months
from funnelwise.schema.crm import Crm

META_KEY = "accuracy"
"""The name a workspace keeps its measured accuracy under (`Workspace.keep`)."""
YEAR = 12
HORIZON = "1q"


@dataclass(frozen=True)
class Accuracy:
    """The measured accuracy of one workspace as of its data's today."""

    today: dt.date
    forecast: dict[str, Any] = field(default_factory=dict)
    """origins, held, coverage, wape, bias, first, last, horizon; or reason."""
    probabilities: dict[str, Any] = field(default_factory=dict)
    """brier, team_rate_brier, skill, resolved, reliability; or reason."""

    def record(self) -> dict[str, Any]:
        return {"today": self.today.isoformat(), "forecast": plain(self.forecast),
                "probabilities": plain(self.probabilities)}

    @staticmethod
    def from_record(data: dict[str, Any]) -> Accuracy:
        return Accuracy(today=dt.date.fromisoformat(data["today"]),
                        forecast=data.get("forecast") or {},
                        probabilities=data.get("probabilities") or {})

    def dumps(self) -> str:
        return json.dumps(self.record())


def default_origins(crm: Crm, *, months: int = 3) -> list[dt.date]:
    """First days of the month over the last year whose period (`months` long) is over in the
    data, from a quarter after the first record."""
    span = data_span(crm)
    last = add_months(span.today, -months)
    first = max(add_months(span.first, 3), add_months(last, -(YEAR - 1)))
    start = dt.date(first.year, first.month, 1)
    if start < first:
        start = add_months(start, 1)
    out = []
    while start <= last:
        out.append(start)
        start = add_months(start, 1)
    return out


def _forecast(crm: Crm) -> dict[str, Any]:
    from funnelwise.forecast.backtest import run_backtest
    from funnelwise.forecast.horizon import parse_horizon

    days = default_origins(crm)
    if not days:
        return {"reason": "the data holds no quarter after its first to replay a forecast on"}
    b = run_backtest(crm, methods=["funnelwise"], origins=days, horizon=parse_horizon(HORIZON))
    rows = b.origins
    s = b.summary.iloc[0]
    return {"origins": len(rows), "held": int(rows["covered"].sum()),
            "coverage": float(s["coverage"]), "wape": float(s["wape"]),
            "bias": float(s["bias"]), "first": rows["origin"].min(),
            "last": rows["origin"].max(), "horizon": HORIZON}


def _probabilities(crm: Crm) -> dict[str, Any]:
    from funnelwise.pipeline.calibration import calibrate, default_dates

    c = calibrate(crm, default_dates(crm))
    return {"brier": c.brier, "team_rate_brier": c.baseline_brier, "skill": c.skill,
            "resolved": c.resolved, "without_history": c.bare,
            "reliability": records(c.reliability)}


def measure(crm: Crm) -> Accuracy:
    """Backtest the forecast and score the deal probabilities on the workspace's history."""
    parts: dict[str, dict[str, Any]] = {}
    for name, run in (("forecast", _forecast), ("probabilities", _probabilities)):
        try:
            parts[name] = run(crm)
        except UserError as exc:
            parts[name] = {"reason": str(exc)}
    return Accuracy(today=data_span(crm).today, **parts)


def cached(text: str | None, today: dt.date) -> Accuracy | None:
    """The accuracy a workspace keeps (`META_KEY`), when it was measured on the data as it is
    (the same today); None when never measured or measured before the last import."""
    if not text:
        return None
    try:
        acc = Accuracy.from_record(json.loads(text))
    except (ValueError, KeyError, TypeError):
        return None
    return acc if acc.today == today else None
