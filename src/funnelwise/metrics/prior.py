"""The prior behind every shrunk rate, and how it is learnt from the counts.

For reps in teams, three levels:

    organisation   P = (K + 1/2) / (N + 1), over all groups' counts
    team t         p_t ~ Beta(M P, M (1 - P))
    rep i          r_i ~ (1 - e) Beta(m p_t, m (1 - p_t)) + e Beta(w p_t, w (1 - p_t))
    its deals      k_i ~ Binomial(n_i, r_i)

- The team's rate p_t is not known: it is learnt from its reps' counts together with m, each
  rep's deals counting once, and its uncertainty widens its reps' intervals. (Shrinking
  toward a team rate computed from counts that include the rep's own, and taken as exact,
  made reps look closer to their team than they are, so they were pulled too far.)
- m and M, the prior strengths of reps and teams (how many deals the prior is worth), are
  learnt from all groups: every pair on log grids from 2 to 1,000 is weighted by the
  likelihood of all the counts, integrating over the team rates, times a hyperprior flat on
  the between-group variance tau^2 = p (1 - p) / (m + 1), i.e. m / (m + 1)^2 on the log grid
  (C. Morris and R. Tang, "Estimating random effects via adjustment for density
  maximization", Statistical Science 26, 2011: for its frequentist coverage). The posterior
  averages over the pairs.
- Heavier tails: with prior chance e = UNLIKE a rep's rate comes from a wide Beta worth
  w = WIDE deals around the team rate. A rep whose counts sit far from the team's is then
  mostly explained by the wide part and not pulled all the way to the team.

Groups without a team (and every grouping but reps) have two levels: the organisation's
rate P taken as known, m learnt the same way. `fixed` is the plain Beta prior of a given
strength; `plain` the plain Beta prior of a learnt strength (below). Each group's posterior
is a `betamix.Posterior`: for each m, the mix over the team rate's nodes summarised by the
Beta of the same mean and variance; and one Beta for the wide part.
"""

from __future__ import annotations

import numpy as np

from funnelwise.metrics.betamix import Posterior, matched, special

M_GRID = np.geomspace(2.0, 1000.0, 24)     # rep prior strengths m
TEAM_GRID = np.geomspace(2.0, 1000.0, 16)  # team prior strengths M
UNLIKE = 0.3
WIDE = 5.0
NODES = 61  # team rates integrated over, per team
SPAN = 8.0  # how far the nodes reach from the team's own rate, in log-odds


def log_hyperprior(grid: np.ndarray) -> np.ndarray:
    """Log weight of each strength on a log grid: flat in tau^2 = p (1 - p) / (m + 1)."""
    return np.asarray(np.log(grid) - 2 * np.log1p(grid))


def _normalised(log_w: np.ndarray) -> np.ndarray:
    w = np.exp(log_w - log_w.max())
    return np.asarray(w / w.sum())


def _log_bb(k: np.ndarray, n: np.ndarray, strength: np.ndarray | float, p: np.ndarray,
            rows: np.ndarray | None) -> np.ndarray:
    """log B(k + s p, n - k + s (1 - p)) - log B(s p, s (1 - p)): the beta-binomial
    log-likelihood of k of n without its binomial coefficient (the same for every prior).

    `p` holds one row per parent (any trailing shape); `rows` picks each group's row (None:
    one row per group). The prior's own B(s p, s (1 - p)) is computed once per parent.
    """
    g = special().gammaln
    a, b = strength * p[..., None], strength * (1 - p[..., None])
    prior = g(a) + g(b) - g(strength)
    if rows is not None:
        a, b, prior = a[rows], b[rows], prior[rows]
    shape = (-1,) + (1,) * (a.ndim - 1)
    k, n = k.reshape(shape), n.reshape(shape)
    return np.asarray(g(k + a) + g(n - k + b) - g(n + strength) - prior)


def _mixed(k: np.ndarray, n: np.ndarray, p: np.ndarray,
           rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per group (and node of `p`) and prior strength m (last axis, M_GRID): the
    log-likelihood of k of n under the two-part prior around p, and the posterior share of its
    wide part. `p` and `rows` as in `_log_bb`."""
    main = _log_bb(k, n, M_GRID, p, rows)
    wide = _log_bb(k, n, np.array([WIDE]), p, rows)
    log = np.logaddexp(np.log1p(-UNLIKE) + main, np.log(UNLIKE) + wide)
    return log, np.exp(np.log(UNLIKE) + wide - log)


def _mixture(k: np.ndarray, n: np.ndarray, main: np.ndarray, centre: np.ndarray,
             spread: np.ndarray, wide: np.ndarray, wide_centre: np.ndarray,
             wide_spread: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Components of each group's posterior: one Beta per m (`main` weights, parent rates of
    mean `centre` and variance `spread`) and one for the wide part."""
    a, b = matched(k[:, None], n[:, None], M_GRID, centre, spread)
    wa, wb = matched(k, n, WIDE, wide_centre, wide_spread)
    return (np.column_stack([a, wa]), np.column_stack([b, wb]),
            np.column_stack([main, wide]))


def _alone(k: np.ndarray, n: np.ndarray, pm: np.ndarray, wide: np.ndarray,
           p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Components of groups whose parent rate p is known, m having weights `pm`."""
    zero = np.zeros(wide.shape)
    return _mixture(k, n, pm * (1 - wide), np.broadcast_to(p[:, None], zero.shape), zero,
                    (pm * wide).sum(axis=1), p, np.zeros(len(k)))


def _in_teams(k: np.ndarray, n: np.ndarray, node_w: np.ndarray, wide: np.ndarray,
              p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Components of reps whose team rate has weights `node_w` (reps, nodes, m) at nodes p."""
    at = p[:, :, None]
    main = _moments(node_w * (1 - wide), at)
    out = _moments((node_w * wide).sum(axis=2, keepdims=True), at)
    return _mixture(k, n, *main, *(x[:, 0] for x in out))


def _moments(w: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Total weight, mean and variance of the team rate p over the nodes (axis 1)."""
    total = w.sum(axis=1)
    safe = np.where(total > 0, total, 1.0)
    mean = (w * p).sum(axis=1) / safe
    var = np.maximum((w * p**2).sum(axis=1) / safe - mean**2, 0.0)
    return total, np.where(total > 0, mean, 0.5), var


def _typical(pm: np.ndarray) -> float:
    """The weighted geometric mean of m: how many deals the prior was worth, for the notes."""
    return float(np.exp(np.log(M_GRID) @ pm))


def two_level(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> Posterior:
    """Toward known parent rates p, m learnt from all groups (missing counts add nothing)."""
    log, wide = _mixed(np.nan_to_num(k), np.nan_to_num(n), p)
    pm = _normalised(log.sum(axis=0) + log_hyperprior(M_GRID))
    a, b, w = _alone(k, n, pm, wide, p)
    return Posterior(a=a, b=b, weights=w, strength=_typical(pm))


def _nodes(kk: np.ndarray, nn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(teams, NODES) team rates to integrate over and their log quadrature weights in p.

    Log-odds z = c + s sinh(u), u evenly spaced: dense around the team's pooled rate c (s a
    quarter of its binomial standard error) and reaching SPAN log-odds either side, where a
    weak team's rate may be.
    """
    centre = np.log((kk + 0.5) / (nn - kk + 0.5))
    width = 0.25 / np.sqrt((kk + 0.5) * (nn - kk + 0.5) / (nn + 1))
    reach = np.arcsinh(SPAN / width)
    u = np.linspace(-1.0, 1.0, NODES)[None, :] * reach[:, None]
    p = np.clip(special().expit(centre[:, None] + width[:, None] * np.sinh(u)), 1e-12,
                1 - 1e-12)
    log_q = np.log(width * reach)[:, None] + np.log(np.cosh(u)) + np.log(p) + np.log1p(-p)
    return p, log_q


def _teams(log: np.ndarray, team: np.ndarray, p: np.ndarray, log_q: np.ndarray,
           overall: float) -> tuple[np.ndarray, np.ndarray]:
    """Each team's log-likelihood for every (M, m), its rate integrated over the nodes; and
    the weights of the nodes given (M, m): (teams, M, m) and (teams, M, nodes, m)."""
    per_team = np.zeros((len(p), NODES, len(M_GRID)))
    np.add.at(per_team, team, log)
    big_a, big_b = TEAM_GRID * overall, TEAM_GRID * (1 - overall)
    log_prior = ((big_a[:, None] - 1) * np.log(p)[:, None, :]
                 + (big_b[:, None] - 1) * np.log1p(-p)[:, None, :]
                 - special().betaln(big_a, big_b)[:, None] + log_q[:, None, :])
    terms = per_team[:, None, :, :] + log_prior[..., None]
    top = terms.max(axis=2, keepdims=True)
    at_nodes = np.exp(terms - top)
    total = at_nodes.sum(axis=2, keepdims=True)
    return (top + np.log(total))[:, :, 0, :], at_nodes / total


def three_level(k: np.ndarray, n: np.ndarray, team: np.ndarray,
                overall: float) -> tuple[Posterior, np.ndarray]:
    """Reps in teams (`team` -1 for none: toward the organisation's rate `overall`): each
    group's posterior and its parent's rate."""
    inside = team >= 0
    t = team[inside]
    p, log_q = _nodes(np.bincount(t, weights=k[inside]), np.bincount(t, weights=n[inside]))
    log, wide = _mixed(k[inside], n[inside], p, t)  # (reps, nodes, m)
    lone = np.full((~inside).sum(), overall)
    lone_log, lone_wide = _mixed(k[~inside], n[~inside], lone)
    log_teams, given = _teams(log, t, p, log_q, overall)
    joint = _normalised(log_teams.sum(axis=0) + lone_log.sum(axis=0)
                        + log_hyperprior(TEAM_GRID)[:, None] + log_hyperprior(M_GRID))
    node_w = np.einsum("Mm,tMjm->tjm", joint, given)  # (teams, nodes, m)
    pm = joint.sum(axis=0)
    rate = np.full(len(k), overall)
    rate[inside] = (node_w.sum(axis=2) * p).sum(axis=1)[t]
    a, b, w = (np.empty((len(k), len(M_GRID) + 1)) for _ in range(3))
    a[inside], b[inside], w[inside] = _in_teams(k[inside], n[inside], node_w[t], wide, p[t])
    a[~inside], b[~inside], w[~inside] = _alone(k[~inside], n[~inside], pm, lone_wide, lone)
    return Posterior(a=a, b=b, weights=w, strength=_typical(pm)), rate


def fixed(k: np.ndarray, n: np.ndarray, p: np.ndarray, strength: float) -> Posterior:
    """The plain Beta prior worth `strength` deals at p."""
    a = (k + strength * p)[:, None]
    b = (np.maximum(n - k, 0) + strength * (1 - p))[:, None]
    return Posterior(a=a, b=b, weights=np.ones((len(k), 1)), strength=strength)


PLAIN_GRID = np.geomspace(2.0, 1000.0, 48)
NEGLIGIBLE = 1e-16


def plain(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> Posterior:
    """The plain Beta prior toward known parent rates p, its strength m learnt on a grid.

    Each m on PLAIN_GRID is weighted by the beta-binomial likelihood of all groups' counts
    times the hyperprior p(alpha, beta) ~ (alpha + beta)^(-5/2) (Gelman et al., Bayesian Data
    Analysis, ch. 5), m^(-1/2) on the log grid; every group shares those weights. It shrinks
    reps far from their parent further than the model above, so its intervals miss them; it
    is kept for the forecast's rep odds, a point figure whose backtests were measured with it.
    """
    sp = special()
    usable = n > 0
    if usable.sum() < 2:
        grid, w = PLAIN_GRID, np.full(len(PLAIN_GRID), 1 / len(PLAIN_GRID))
    else:
        ku, nu, pu = k[usable], n[usable], p[usable]
        a, b = PLAIN_GRID[None, :] * pu[:, None], PLAIN_GRID[None, :] * (1 - pu[:, None])
        loglik = (sp.betaln(ku[:, None] + a, (nu - ku)[:, None] + b) - sp.betaln(a, b)).sum(0)
        w = _normalised(loglik - 0.5 * np.log(PLAIN_GRID))
        keep = w >= w.max() * NEGLIGIBLE  # cannot move a rate beyond rounding
        grid, w = PLAIN_GRID[keep], w[keep] / w[keep].sum()
    a = k[:, None] + grid[None, :] * p[:, None]
    b = np.maximum(n - k, 0)[:, None] + grid[None, :] * (1 - p[:, None])
    return Posterior(a=a, b=b, weights=np.broadcast_to(w, a.shape),
                     strength=float(np.exp(np.log(grid) @ w)))
