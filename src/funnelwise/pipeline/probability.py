"""Win probability of an open deal from its stage and age, learnt from past deals, per rep.

Age bands are cut at the 25th, 50th, 75th and 90th percentiles of won deals' cycle (days from
creation to close), so the bands read "younger than a quarter of won deals took", and so on.
A past deal (closed before the review date: nothing later is used) belongs to cell (stage s,
band b) when it was open at stage s at some age inside band b; the share of them that won is
the chance that a deal in that position goes on to win. Per cell, with K won of N past deals:

    organisation   p_cell = (K + 2 p_all) / (N + 2)     p_all: share won of all past deals
    team           posterior mean, shrunk toward p_cell (beta-binomial, metrics.shrinkage)
    rep            posterior mean, shrunk toward the team's rate

so a rep with a handful of past deals in a cell stays close to the team's rate. A deal's
probability is its rep's estimate in its cell (p_all where the cell has no history); the
realistic value of a pipeline is sum(amount x probability): what it brings in if the past
repeats itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from funnelwise.metrics.asof import AsOf
from funnelwise.metrics.dimensions import ALL, count_if
from funnelwise.metrics.shrinkage import posterior
from funnelwise.pipeline.history import closed_deals, stage_spells, won_cycle
from funnelwise.schema.crm import Crm

BANDS = ("p25", "p50", "p75", "p90")
PRIOR_DEALS = 2.0
OPEN_END = 1e12


@dataclass(frozen=True)
class WinModel:
    """Fitted cell rates: `rates_` has one row per (rep, stage, band) with k, n and estimate."""

    edges: tuple[float, ...]
    p_all: float
    rates_: pd.DataFrame
    exprs: dict[str, ir.Table] = field(default_factory=dict)

    def band(self, age_days: pd.Series) -> np.ndarray:
        """Age band of each age (0 = youngest); unknown ages fall in the first band."""
        ages = age_days.astype(float).fillna(0.0).to_numpy()
        return np.searchsorted(np.asarray(self.edges), ages, side="right")

    def probability(self, deals: pd.DataFrame) -> pd.Series:
        """Each deal's win probability from its rep, stage and age (p_all without history)."""
        keys = deals.assign(band=self.band(deals["age_days"]))[["rep", "stage", "band"]]
        rates = self.rates_[["rep", "stage", "band", "estimate"]]
        found = keys.merge(rates, on=["rep", "stage", "band"], how="left")["estimate"]
        return pd.Series(found.fillna(self.p_all).to_numpy(), index=deals.index)


def band_edges(crm: Crm, snap: AsOf) -> tuple[tuple[float, ...], ir.Table]:
    """The won-cycle percentiles that cut age into bands, and the query behind them."""
    expr = won_cycle(crm, snap)
    row = expr.to_pandas().iloc[0]
    edges = tuple(float(row[b]) for b in BANDS if pd.notna(row[b]))
    return tuple(sorted(set(edges))), expr


def cohort_counts(crm: Crm, snap: AsOf, edges: tuple[float, ...]) -> ir.Table:
    """Per (rep, stage, band): past deals open in that stage at an age in that band, and won."""
    lows = (0.0, *edges)
    highs = (*edges, OPEN_END)
    bands = ibis.memtable({"band": list(range(len(lows))), "lo": list(lows), "hi": list(highs)})
    s = stage_spells(crm, snap)
    x = s.cross_join(bands)
    x = x.filter(x.enter_days < x.hi, x.leave_days >= x.lo)
    x = x.select("opportunity_id", "rep", "stage", "band", "won").distinct()
    return x.group_by(["rep", "stage", "band"]).aggregate(won=count_if(x.won),
                                                          closed=x.count())


def _share_won(crm: Crm, snap: AsOf) -> float:
    d = closed_deals(crm, snap)
    won, closed = d.aggregate(k=count_if(d.won), n=d.count()).to_pandas().iloc[0]
    return float(won) / float(closed) if closed else float("nan")


def _cell(part: pd.DataFrame, p_all: float) -> np.ndarray:
    """Rep estimates in one cell: toward the team's rate, itself toward the cell's."""
    k, n = part["won"].to_numpy(float), part["closed"].to_numpy(float)
    p_cell = (k.sum() + PRIOR_DEALS * p_all) / (n.sum() + PRIOR_DEALS)
    teams = part[part["team"] != ALL].groupby("team")[["won", "closed"]].sum()
    rate = {ALL: p_cell}
    if len(teams):
        kk, nn = teams["won"].to_numpy(float), teams["closed"].to_numpy(float)
        team_mean = posterior(kk, nn, np.full(len(teams), p_cell)).mean()
        rate.update(dict(zip(teams.index, team_mean, strict=True)))
    parent = part["team"].map(rate).fillna(p_cell).to_numpy(float)
    return posterior(k, n, parent).mean()


def _grid(counts: pd.DataFrame, teams: pd.Series) -> pd.DataFrame:
    """Every known rep in every cell that has history (zeros where the rep has none)."""
    reps = pd.DataFrame({"rep": sorted(set(teams.index) | set(counts["rep"].dropna()))})
    cells = counts[["stage", "band"]].drop_duplicates()
    grid = reps.merge(cells, how="cross").merge(counts, on=["rep", "stage", "band"], how="left")
    grid[["won", "closed"]] = grid[["won", "closed"]].fillna(0)
    grid["team"] = grid["rep"].map(teams).fillna(ALL)
    return grid


def fit(crm: Crm, snap: AsOf) -> WinModel:
    """Cell rates per rep from the deals closed before the snapshot."""
    edges, edges_expr = band_edges(crm, snap)
    expr = cohort_counts(crm, snap, edges)
    counts = expr.to_pandas()
    reps = crm.reps.select("rep_id", "team").to_pandas()
    teams = reps.set_index("rep_id")["team"].fillna(ALL)
    p_all = _share_won(crm, snap)
    grid = _grid(counts, teams)
    grid["estimate"] = np.nan
    for _, part in grid.groupby(["stage", "band"]):
        grid.loc[part.index, "estimate"] = _cell(part, p_all)
    return WinModel(edges=edges, p_all=p_all, rates_=grid,
                    exprs={"won_cycle": edges_expr, "cohorts": expr})
