"""Forecasts that respect the lag between pipeline and revenue, and their walk-forward test.

Forecasters share one small base class (`base.Forecaster`: `fit(history, as_of)` then
`predict(period)` with P10/P50/P90) and register by name:

- `stage_weighted`: open amount x historical win rate of its stage (what CRMs show);
- `run_rate`: trailing average of won revenue;
- `funnelwise`: won so far + open deals x P(won in the period | stage, age, rep) from a
  survival model with still-open deals censored, + deals not yet created.

`backtest` replays them from rolling origins over history, each fitted on the CRM as it stood
at its origin.
"""

from funnelwise.forecast import lagged, run_rate, stage_weighted
from funnelwise.forecast.base import REGISTRY, Forecaster, Prediction, get, register

METHODS = ("funnelwise", "stage_weighted", "run_rate")

__all__ = ["METHODS", "REGISTRY", "Forecaster", "Prediction", "get", "lagged", "register",
           "run_rate", "stage_weighted"]
