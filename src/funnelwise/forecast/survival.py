"""Time to close as a multi-state survival model with censoring (piecewise-constant rates).

States: the funnel's open stages in order, then won and lost (absorbing). Age is days since the
deal was created, cut into bins of `w` days (a week by default). In bin k the rate of moving
from open stage s to state x (per day) is

    q_sx(k) = (d_sx(k) + a w Q_sx) / (E_s(k) + a w)

with d_sx(k) the moves from s to x in bin k, E_s(k) the days deals spent in s during bin k
(exposure), Q_sx = sum_k d_sx / sum_k E_s the stage's average rate and a = 4 bins of prior
exposure, so a thin bin borrows from the stage's average instead of jumping to 0 or to
certainty. Deals still open are censored: they add exposure for as long as they were observed
and never an event, which keeps recent, unfinished deals from making cycles look short or win
rates look low.

A bin's transition matrix is the matrix exponential P_k = exp(w G_k) of its rates (G_k holds
q_sx off the diagonal and minus the row sum on it), so a deal may pass several stages within
one bin; the bins' matrices multiply (the Aalen-Johansen product): a deal in stage s at the
start of bin k is won by the end of bin K with probability [P_k P_k+1 ... P_K](s, won). This
is a Markov model in age: where a deal goes next depends on its stage and age, not on how long
it has sat in that stage. Lifelines' `AalenJohansenFitter` is the nonparametric
continuous-time relative; this one runs with numpy on counts aggregated in the database.

The rates are uncertain, most where exposure is thin (old ages, rare moves, a short history).
`posterior_rates` draws them from their gamma posterior, the conjugate of the Poisson count of
moves given the days at risk: first the stage's average rate Q_sx ~ Gamma(sum_k d_sx(k) + 1/2,
sum_k E_s(k)), then each bin's rate given it,

    q_sx(k) ~ Gamma(d_sx(k) + a w Q_sx, E_s(k) + a w)      (shape, rate),

whose mean is the point estimate above. Drawing the average first makes the bins with little
exposure move together, as they do when the whole stage is faster or slower than it looked.
Moves never seen (d = 0 in every bin) stay impossible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from funnelwise.forecast.spells import SpellCounts

PRIOR_WEIGHT = 4.0


@dataclass(frozen=True)
class StageSurvival:
    """Fitted model: `won_by[k, K, s]` = P(won by the end of bin K | in stage s at bin k);
    `ever[k, s]` = P(won by the end of the last modelled bin | s at bin k) when the table
    stops short of the last bin (None: its last column)."""

    won_by: np.ndarray
    bin_days: float
    start_mix: np.ndarray
    rates: np.ndarray
    exposure: np.ndarray
    ever: np.ndarray | None = None

    @property
    def bins(self) -> int:
        return int(self.won_by.shape[0])

    def _by_age(self, start: np.ndarray, state: np.ndarray, t: np.ndarray) -> np.ndarray:
        """P(won by age t | in `state` at the start of bin `start`), linear within a bin."""
        pos = np.clip(t / self.bin_days, 0.0, self.bins - 1e-9)
        end = np.floor(pos).astype(np.int64)
        frac = pos - end
        at_end = self.won_by[start, end, state]
        before = np.where(end > start, self.won_by[start, np.maximum(end - 1, 0), state], 0.0)
        value = before + frac * (at_end - before)
        return np.where(end >= start, value, 0.0)

    def p_won(self, state: np.ndarray, age: np.ndarray, t1: np.ndarray,
              t2: np.ndarray) -> np.ndarray:
        """P(won at an age in (t1, t2] | open in `state` at `age`), ages in days."""
        start = np.clip(np.floor(age / self.bin_days).astype(np.int64), 0, self.bins - 1)
        lo = np.maximum(t1, age)
        p = self._by_age(start, state, t2) - self._by_age(start, state, lo)
        return np.where(t2 > lo, np.clip(p, 0.0, 1.0), 0.0)

    def p_eventually(self, state: np.ndarray, age: np.ndarray) -> np.ndarray:
        """P(won at any later age | open in `state` at `age`), within the modelled ages."""
        start = np.clip(np.floor(age / self.bin_days).astype(np.int64), 0, self.bins - 1)
        if self.ever is not None:
            return np.asarray(self.ever[start, state])
        return np.asarray(self.won_by[start, self.bins - 1, state])

    def p_new(self, t1: np.ndarray, t2: np.ndarray) -> np.ndarray:
        """P(a deal created now is won at an age in (t1, t2]), over the usual first stages."""
        n = t1.shape[0]
        out = np.zeros(n)
        for state, share in enumerate(self.start_mix):
            if share > 0:
                s = np.full(n, state)
                out += share * self.p_won(s, np.zeros(n), t1, t2)
        return out


def _add(target: np.ndarray, frame: pd.DataFrame, cols: list[str], value: str) -> None:
    keep = frame[frame["state"].between(0, target.shape[0] - 1)]
    index = tuple(keep[c].to_numpy(int) for c in cols)
    np.add.at(target, index, keep[value].to_numpy(float))


def exposure(counts: SpellCounts) -> np.ndarray:
    """Days spent in each open stage during each age bin, (S, K)."""
    s, k = len(counts.states), counts.bins
    out = np.zeros((s, k))
    _add(out, counts.entries, ["state", "bin_in"], "part")
    _add(out, counts.exits, ["state", "bin_out"], "part")
    starts, ends = np.zeros((s, k)), np.zeros((s, k))
    _add(starts, counts.entries[counts.entries["multi"]], ["state", "bin_in"], "n")
    _add(ends, counts.exits, ["state", "bin_out"], "n")
    began_before = np.cumsum(starts, axis=1) - starts
    spanning = began_before - np.cumsum(ends, axis=1)
    return out + counts.bin_days * np.maximum(spanning, 0.0)


def moves(counts: SpellCounts) -> np.ndarray:
    """Moves out of each open stage per bin and destination, (S, K, S + 2)."""
    s = len(counts.states)
    out = np.zeros((s, counts.bins, s + 2))
    m = counts.moves[(counts.moves["to"] >= 0) & (counts.moves["to"] != counts.moves["state"])]
    _add(out, m, ["state", "bin_out", "to"], "n")
    return out


def rates(counts: SpellCounts, prior_weight: float = PRIOR_WEIGHT) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    """Shrunk daily rates q[s, k, x] and the exposure E[s, k]."""
    d, e = moves(counts), exposure(counts)
    total = e.sum(axis=1)[:, None, None]
    average = np.divide(d.sum(axis=1, keepdims=True), total,
                        out=np.zeros((d.shape[0], 1, d.shape[2])), where=total > 0)
    prior = prior_weight * counts.bin_days
    denominator = np.broadcast_to(e[:, :, None] + prior, d.shape)
    q = np.divide(d + prior * average, denominator, out=np.zeros_like(d),
                  where=denominator > 0)
    return q, e


def posterior_rates(counts: SpellCounts, rng: np.random.Generator, sets: int,
                    prior_weight: float = PRIOR_WEIGHT) -> np.ndarray:
    """(sets, S, K, S + 2) draws of the daily rates from their gamma posterior."""
    d, e = moves(counts), exposure(counts)
    seen = d.sum(axis=1, keepdims=True)
    total = e.sum(axis=1)[:, None, None]
    scale = np.divide(1.0, total, out=np.zeros_like(total), where=total > 0)
    average = rng.gamma(np.where(seen > 0, seen + 0.5, 0.0)[None], scale[None],
                        size=(sets, *seen.shape))
    prior = prior_weight * counts.bin_days
    denominator = e[:, :, None] + prior
    shape = d[None] + prior * average
    return np.where(denominator > 0, rng.gamma(shape, 1.0) / np.maximum(denominator, 1e-300),
                    0.0)


def transition_matrices(q: np.ndarray, bin_days: float) -> np.ndarray:
    """(..., K, S + 2, S + 2) one-bin transition matrices exp(w G_k) of rates q (..., S, K,
    S + 2) (a leading axis holds drawn sets); won and lost absorb."""
    *lead, s, k, m = q.shape
    g = np.zeros((*lead, k, m, m))
    g[..., :s, :] = np.swapaxes(q, -3, -2)
    idx = np.arange(s)
    g[..., idx, idx] = 0.0
    g[..., idx, idx] = -g[..., :s, :].sum(axis=-1)
    return expm(g * bin_days)


def expm(a: np.ndarray, order: int = 12) -> np.ndarray:
    """Matrix exponential of a stack of small matrices: Taylor series, scaling and squaring."""
    norm = float(np.abs(a).sum(axis=-1).max()) if a.size else 0.0
    squarings = max(0, int(np.ceil(np.log2(norm / 0.25)))) if norm > 0.25 else 0
    b = a / 2.0**squarings
    eye = np.broadcast_to(np.eye(a.shape[-1]), a.shape)
    term, total = eye.copy(), eye.copy()
    for i in range(1, order + 1):
        term = term @ b / i
        total = total + term
    for _ in range(squarings):
        total = total @ total
    return total


def won_by(p: np.ndarray, n_open: int) -> np.ndarray:
    """`out[..., k, K, s]` = P(won by the end of bin K | in open state s at the start of bin
    k), from the one-bin matrices p (..., K, S + 2, S + 2)."""
    *lead, k, m, _ = p.shape
    q = np.broadcast_to(np.eye(m), (*lead, k, m, m)).copy()
    out = np.zeros((*lead, k, k, n_open))
    for last in range(k):
        q[..., : last + 1, :, :] = q[..., : last + 1, :, :] @ p[..., last : last + 1, :, :]
        out[..., : last + 1, last, :] = q[..., : last + 1, :n_open, n_open]
    return out


def fit_survival(counts: SpellCounts, prior_weight: float = PRIOR_WEIGHT) -> StageSurvival:
    """Fit the stage-and-age model from aggregated spells."""
    q, e = rates(counts, prior_weight)
    return from_rates(counts, q, e)


def won_ever(p: np.ndarray, n_open: int) -> np.ndarray:
    """`out[..., k, s]` = P(won by the end of the last bin | in open state s at bin k): the
    products of the one-bin matrices p (..., K, S + 2, S + 2) from the last bin backwards."""
    *lead, k, m, _ = p.shape
    v = np.zeros((*lead, m))
    v[..., n_open] = 1.0
    out = np.zeros((*lead, k, n_open))
    for b in range(k - 1, -1, -1):
        v = (p[..., b, :, :] @ v[..., None])[..., 0]
        out[..., b, :] = v[..., :n_open]
    return out


def start_mix(counts: SpellCounts) -> np.ndarray:
    """Share of deals that begin in each open stage."""
    mix = np.zeros(len(counts.states))
    for row in counts.starts.itertuples(index=False):
        if 0 <= row.state < len(mix):
            mix[row.state] += row.n
    return mix / mix.sum() if mix.sum() > 0 else np.eye(len(mix))[0]


def from_rates(counts: SpellCounts, q: np.ndarray, e: np.ndarray) -> StageSurvival:
    """The model of the daily rates `q` (fitted or drawn) and the exposure `e`."""
    p = transition_matrices(q, counts.bin_days)
    return StageSurvival(won_by=won_by(p, len(counts.states)), bin_days=counts.bin_days,
                         start_mix=start_mix(counts), rates=q, exposure=e)


def from_rate_sets(counts: SpellCounts, q: np.ndarray, e: np.ndarray,
                   bins: int) -> list[StageSurvival]:
    """One model per drawn set of rates q (sets, S, K, S + 2), computed together, for ages
    in the first `bins` bins (P(won ever) over all of them)."""
    p = transition_matrices(q, counts.bin_days)
    n, mix = len(counts.states), start_mix(counts)
    table = won_by(p[..., : max(1, min(bins, p.shape[-3])), :, :], n)
    ever = won_ever(p, n)[..., : table.shape[-3], :]
    return [StageSurvival(won_by=table[i], bin_days=counts.bin_days, start_mix=mix, rates=q[i],
                          exposure=e, ever=ever[i]) for i in range(q.shape[0])]
