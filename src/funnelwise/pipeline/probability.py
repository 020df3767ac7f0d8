"""Win probability of an open deal: the chance it is won in the end, given its stage, age, days
in stage, the review's flags and its rep, learnt from the pipelines of past days.

The model is a logistic regression with an effect per rep (`logistic`):

    logit p = sum_j beta_j x_j + b_rep                     b_rep ~ Normal(0, tau^2)

with, for each open stage s, the indicator 1[stage = s] alone and times log(1 + age), log(1 +
days in stage) and the hinges max(0, log(1 + days) - log(1 + k)) at k = 14, 30, 60 and 120
days of both (so the chance can fall off steeply once a deal has sat two months), plus one
indicator per review rule that flagged the deal.

What it learns from, as of day D: the deals open on each landmark day before D (`landmarks`),
with their stage, age, days in stage and flags then; a deal's outcome is 1 if it was won before
D, 0 if lost. A deal still open at D has no outcome yet. Leaving it out would keep the deals
that closed fast, most of them losses, and make every open deal look worse than it is (the
share won of closed deals has that bias). It counts instead as its expected outcome: the
model's own probability for it as it stands at D. Fit, fill in, refit (`ROUNDS` times, from
the team rate): the EM way to fit with censored outcomes. Each row weighs (distinct deals /
rows), so the rep spread tau and the penalties see as many deals as there are, however many
landmarks each was open on. The coefficients carry a ridge penalty of `RIDGE` (20) deals'
worth: a curve or a flag moves the chance only as far as many deals bear it out (on the
simulated org and on Maven and sparklesquad, 20 scored better than 1, 5 or 50).

Trust: with less history of closes than a won deal's cycle (its 90th percentile), most of what
the model learns is filled in from the few fast closes. Its logit is then blended with the
team rate's, by the share of a cycle the history covers:

    t = min(1, days since the first close / p90 won cycle)
    logit p = t logit p_model + (1 - t) logit p_all        p_all: share won of deals closed

Too little to learn from (fewer than `MIN_OUTCOMES` won or lost deals among the landmarks' rows,
or no landmark) leaves p_all for every deal. Nothing dated on or after D is read: the
landmarks, outcomes, flags and the won cycle are all as of D. The realistic value of a
pipeline is sum(amount x p): what it brings in if the past repeats itself.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from funnelwise.metrics.asof import AsOf
from funnelwise.metrics.asof import as_of as view_at
from funnelwise.pipeline.config import ReviewConfig, review_config
from funnelwise.pipeline.history import closed_deals, won_cycle
from funnelwise.pipeline.landmarks import Pipeline, landmark_days, pipeline_on
from funnelwise.pipeline.logistic import VARIANCE_ROUNDS, Logistic, fit_logistic
from funnelwise.pipeline.rules import rules
from funnelwise.schema.crm import Crm

KNOTS = (14.0, 30.0, 60.0, 120.0)
ROUNDS = 4
MIN_OUTCOMES = 10
RIDGE = 20.0
KEPT = "win_model"
"""The name the model as of the data's today is kept under by each import (`keep_text`)."""


@dataclass(frozen=True)
class WinModel:
    """The fitted model (`fitted_`, None when there is too little to learn from), the team
    rate p_all, the trust t, and what it learnt from: landmark days, rows, distinct deals."""

    p_all: float
    trust: float = 0.0
    stages: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    reps: tuple[str, ...] = ()
    fitted_: Logistic | None = None
    landmarks: tuple[dt.date, ...] = ()
    rows: int = 0
    deals: int = 0
    exprs: dict[str, ir.Table] = field(default_factory=dict)

    def probability(self, deals: pd.DataFrame, flags: pd.DataFrame) -> pd.Series:
        """Each deal's win probability (`deals`: rep, stage, age_days, stage_days,
        opportunity_id; `flags`: the review's flag rows); p_all at a stage never seen."""
        if self.fitted_ is None or not len(deals):
            return pd.Series(self.p_all, index=deals.index, dtype=float)
        x = design(deals, flags, stages=self.stages, rules=self.rules)
        p = blend(self.fitted_.predict(x, groups(deals, self.reps)), self.p_all, self.trust)
        known = deals["stage"].astype(object).fillna("").isin(self.stages).to_numpy()
        return pd.Series(np.where(known, p, self.p_all), index=deals.index)


def _logit(p: np.ndarray | float) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def blend(p: np.ndarray, p_all: float, trust: float) -> np.ndarray:
    """logit p' = trust logit p + (1 - trust) logit p_all."""
    return 1.0 / (1.0 + np.exp(-(trust * _logit(p) + (1 - trust) * _logit(p_all))))


def _basis(days: pd.Series) -> list[np.ndarray]:
    """log(1 + days) and its hinges at the knots (unknown days count as 0)."""
    t = np.log1p(days.astype(float).fillna(0.0).clip(lower=0.0).to_numpy())
    return [t, *(np.maximum(0.0, t - np.log1p(k)) for k in KNOTS)]


def design(deals: pd.DataFrame, flags: pd.DataFrame, *, stages: Sequence[str],
           rules: Sequence[str]) -> np.ndarray:
    """The feature matrix: per stage its indicator and the age and days-in-stage curves, then
    one column per rule (1 when it flagged the deal)."""
    stage = deals["stage"].astype(object).fillna("").to_numpy()
    curves = [*_basis(deals["age_days"]), *_basis(deals["stage_days"])]
    cols: list[np.ndarray] = []
    for s in stages:
        on = (stage == s).astype(float)
        cols += [on, *(on * c for c in curves)]
    ids = deals["opportunity_id"].astype(str)
    for r in rules:
        hit = flags.loc[flags["rule"] == r, "opportunity_id"].astype(str)
        cols.append(ids.isin(set(hit)).to_numpy(float))
    return np.column_stack(cols) if cols else np.zeros((len(deals), 0))


def groups(deals: pd.DataFrame, reps: Sequence[str]) -> np.ndarray:
    """Each deal's rep as an index into `reps` (-1: a rep the model has not seen)."""
    index = {r: i for i, r in enumerate(reps)}
    return deals["rep"].map(lambda r: index.get(str(r), -1) if pd.notna(r) else -1).to_numpy(
        dtype=np.int64)


def _trust(cycle: ir.Table, day: dt.date, since: dt.date | None) -> float:
    p90 = cycle.to_pandas()["limit_days"].iloc[0]
    if since is None or pd.isna(p90):
        return 0.0
    return float(min(1.0, (day - since).days / p90)) if p90 > 0 else 1.0


@dataclass(frozen=True)
class _Rows:
    """The landmarks' rows as the model reads them."""

    x: np.ndarray
    reps: np.ndarray
    ids: np.ndarray
    stages: tuple[str, ...]
    rules: tuple[str, ...]
    rep_names: tuple[str, ...]


def _rows(past: Sequence[Pipeline], stage_order: Sequence[str]) -> _Rows:
    deals = pd.concat([p.deals for p in past], ignore_index=True)
    seen = set(deals["stage"].astype(object).fillna(""))
    stages = tuple(s for s in stage_order if s in seen) + tuple(
        sorted(seen - set(stage_order)))
    names = tuple(r.name for r in rules())
    reps = tuple(sorted({str(r) for r in deals["rep"].dropna()}))
    x = np.vstack([design(p.deals, p.flags, stages=stages, rules=names) for p in past])
    return _Rows(x=x, reps=groups(deals, reps), ids=deals["opportunity_id"].astype(str).to_numpy(),
                 stages=stages, rules=names, rep_names=reps)


def _enough(won: pd.Series, ids: np.ndarray) -> bool:
    """At least MIN_OUTCOMES distinct won and lost deals among the rows."""
    outcomes = won.reindex(pd.unique(ids)).dropna()
    return int(outcomes.sum()) >= MIN_OUTCOMES and int((~outcomes.astype(bool)).sum()) >= (
        MIN_OUTCOMES)


def _em(rows: _Rows, won: pd.Series, now: Pipeline, p_all: float) -> Logistic:
    """Fit, fill in the open deals' outcomes with the fit's probability at D, refit."""
    y_known = won.reindex(rows.ids).to_numpy(dtype=float)
    known = ~np.isnan(y_known)
    weight = np.full(len(rows.ids), len(pd.unique(rows.ids)) / len(rows.ids))
    x_now = design(now.deals, now.flags, stages=rows.stages, rules=rows.rules)
    g_now = groups(now.deals, rows.rep_names)
    at = pd.Series(np.arange(len(now.deals)), index=now.deals["opportunity_id"].astype(str))
    at = at[~at.index.duplicated()].reindex(rows.ids).to_numpy()
    filled = np.full(len(rows.ids), p_all)
    model: Logistic | None = None
    for _ in range(ROUNDS):
        y = np.where(known, y_known, filled)
        model = fit_logistic(rows.x, y, groups=rows.reps, n_groups=len(rows.rep_names),
                             weight=weight, ridge=RIDGE, start=model,
                             rounds=VARIANCE_ROUNDS if model is None else 2)
        p_now = model.predict(x_now, g_now)
        filled = np.where(np.isnan(at), p_all, p_now[np.nan_to_num(at).astype(np.int64)])
    assert model is not None
    return model


def fit(crm: Crm, snap: AsOf, *, config: ReviewConfig | None = None,
        current: Pipeline | None = None,
        seen: Mapping[dt.date, Pipeline] | None = None) -> WinModel:
    """The model as of `snap`, from the deals closed before it. `current` is the pipeline at
    `snap` (the review passes its own); `seen` may hold landmark pipelines already built (the
    calibration shares them between dates); the rest are built here."""
    config = config or review_config(crm.funnel)
    exprs = _exprs(crm, snap)
    if (was := _kept(crm, snap, config, exprs)) is not None:
        return was
    outcomes, cycle = exprs["win_outcomes"], exprs["won_cycle"]
    closed = outcomes.to_pandas()
    if closed.empty:
        return WinModel(p_all=float("nan"), exprs=exprs)
    p_all = float(closed["won"].mean())
    since = pd.Timestamp(closed["closed_at"].min()).date()
    days = landmark_days(snap.day, since)
    if min(closed["won"].sum(), (~closed["won"].astype(bool)).sum()) < MIN_OUTCOMES:
        return WinModel(p_all=p_all, landmarks=days, exprs=exprs)
    past = [(seen or {}).get(d) or pipeline_on(crm, AsOf(day=d, today=snap.today), config)
            for d in days]
    past = [p for p in past if len(p.deals)]
    won = closed.assign(opportunity_id=closed["opportunity_id"].astype(str)).set_index(
        "opportunity_id")["won"].astype(float)
    if not past:
        return WinModel(p_all=p_all, exprs=exprs)
    rows = _rows(past, crm.funnel.stages)
    if not _enough(won, rows.ids):
        return WinModel(p_all=p_all, landmarks=days, rows=len(rows.ids), exprs=exprs)
    now = current or pipeline_on(crm, snap, config)
    return WinModel(p_all=p_all, trust=_trust(cycle, snap.day, since), stages=rows.stages,
                    rules=rows.rules, reps=rows.rep_names, fitted_=_em(rows, won, now, p_all),
                    landmarks=tuple(p.day for p in past), rows=len(rows.ids),
                    deals=len(pd.unique(rows.ids)), exprs=exprs)


def _exprs(crm: Crm, snap: AsOf) -> dict[str, ir.Table]:
    """What the model reads besides the landmarks: the deals closed before the day (their
    outcomes) and the won cycle (the trust)."""
    return {"win_outcomes": closed_deals(crm, snap).select("opportunity_id", "won",
                                                           "closed_at"),
            "won_cycle": won_cycle(crm, snap)}


# ---------------------------------------------------------------- kept with the data
#
# Fitting reads the pipelines of up to eight past days, each with every review rule run as
# of its day: most of a review's time. The model as of the data's today is fitted once per
# import instead (`keep_text`, with the accuracy) and kept in the workspace; `fit` takes it
# from `Crm.kept` when it was fitted for the same day, thresholds and rules, which the
# workspace gives only on the tables and funnel it was fitted on, by the same funnelwise
# version (`Workspace.kept`).


def _key(snap: AsOf, config: ReviewConfig) -> dict[str, object]:
    """What a kept model must have been fitted for: the day, the thresholds and the rules
    (each by name and the function that flags, so a rule replaced under its name counts)."""
    return {"day": snap.day.isoformat(), "today": snap.today.isoformat(),
            "config": repr(config),
            "registry": [f"{r.name}={r.flag.__module__}.{r.flag.__qualname__}"
                         for r in rules()]}


def dumps(model: WinModel, snap: AsOf, config: ReviewConfig) -> str:
    """The model as text: what it was fitted for (`_key`) and every fitted number (JSON
    floats read back exactly)."""
    f = model.fitted_
    return json.dumps({
        **_key(snap, config), "p_all": model.p_all, "trust": model.trust,
        "stages": list(model.stages), "rules": list(model.rules), "reps": list(model.reps),
        "landmarks": [d.isoformat() for d in model.landmarks], "rows": model.rows,
        "deals": model.deals,
        "fitted": None if f is None else {"coef": f.coef_.tolist(),
                                          "effects": f.effects_.tolist(),
                                          "group_sd": f.group_sd_}})


def _kept(crm: Crm, snap: AsOf, config: ReviewConfig,
          exprs: dict[str, ir.Table]) -> WinModel | None:
    """The kept model when it was fitted for this day, these thresholds and these rules."""
    text = crm.kept.get(KEPT)
    if not text:
        return None
    try:
        r = json.loads(text)
        if any(r[k] != v for k, v in _key(snap, config).items()):
            return None
        f = r["fitted"]
        fitted = None if f is None else Logistic(
            coef_=np.asarray(f["coef"], dtype=float),
            effects_=np.asarray(f["effects"], dtype=float), group_sd_=float(f["group_sd"]))
        return WinModel(p_all=float(r["p_all"]), trust=float(r["trust"]),
                        stages=tuple(r["stages"]), rules=tuple(r["rules"]),
                        reps=tuple(r["reps"]), fitted_=fitted,
                        landmarks=tuple(dt.date.fromisoformat(d) for d in r["landmarks"]),
                        rows=int(r["rows"]), deals=int(r["deals"]), exprs=exprs)
    except (ValueError, KeyError, TypeError):
        return None


def keep_text(crm: Crm) -> str:
    """The model as of the data's today with the funnel's thresholds, as `dumps` writes it."""
    snap = view_at(crm)
    config = review_config(crm.funnel)
    return dumps(fit(crm, snap, config=config), snap, config)
