"""The review's win probabilities replayed on past dates (`review --calibration`) against what
happened, on every data set in ../shared/data with closed deals and on the simulated org.

Targets: a Brier score no worse than the constant team rate everywhere; on the simulated org,
no worse than a plain logistic regression fitted here on the earlier dates' deals, and within
5 points of the observed share won in every tenth of the deals ranked by probability.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from funnelwise.errors import UserError
from funnelwise.io import presets
from funnelwise.io.importer import run_import
from funnelwise.io.mapping import load_mapping
from funnelwise.io.validate import Settings
from funnelwise.io.workspace import Workspace
from funnelwise.metrics.brier import brier
from funnelwise.pipeline.calibration import Calibration, calibrate, deciles, default_dates
from funnelwise.pipeline.logistic import fit_logistic
from tests.conftest import HERE, MAVEN, SALESFORCE, SHARED, SPARKLE, needs

EXAMPLES = HERE.parent / "docs" / "examples"
OLIST = SHARED / "olist-marketing-funnel"


def calibrated(path: Path) -> Calibration:
    with Workspace(path, create=False) as ws:
        crm = ws.crm()
        return calibrate(crm, default_dates(crm))


def imported(path: Path, source: Path, mapping, settings: Settings | None = None) -> Path:
    with Workspace(path) as ws:
        run_import(ws, [source], mapping, settings=settings)
    return path


def features(pairs: pd.DataFrame, stages: list[str], rules: list[str]) -> np.ndarray:
    """Intercept, stage indicators, log age, log days in stage, log amount, one per flag."""
    logs = [np.log1p(pairs[c].astype(float).fillna(0.0).clip(lower=0.0).to_numpy())
            for c in ("age_days", "stage_days", "amount")]
    flags = pairs["flags"].str.split(",")
    return np.column_stack([
        np.ones(len(pairs)), *((pairs["stage"] == s).to_numpy(float) for s in stages[1:]),
        *logs, *(flags.map(lambda f, r=r: r in f).to_numpy(float) for r in rules)])


def logistic_baseline(pairs: pd.DataFrame) -> pd.Series:
    """Each date's pairs scored by a logistic regression fitted on the earlier dates' pairs
    and their outcomes (none for the first date)."""
    stages = sorted(pairs["stage"].astype(str).unique())
    rules = sorted({r for f in pairs["flags"] for r in f.split(",") if r})
    x = features(pairs.assign(stage=pairs["stage"].astype(str)), stages, rules)
    out = pd.Series(np.nan, index=pairs.index)
    no_group = np.full(len(pairs), -1)
    for day in sorted(pairs["as_of"].unique())[1:]:
        train, test = (pairs["as_of"] < day).to_numpy(), (pairs["as_of"] == day).to_numpy()
        model = fit_logistic(x[train], pairs["y"].to_numpy(float)[train],
                             groups=no_group[train], n_groups=0,
                             weight=np.ones(train.sum()), ridge=1e-3)
        out[test] = model.predict(x[test], no_group[test])
    return out


@pytest.fixture(scope="module")
def simulated_calibration(simulated) -> Calibration:
    return calibrated(simulated.path)


@pytest.mark.slow
def test_simulated_probabilities_beat_the_team_rate_and_a_logistic_regression(
        simulated_calibration):
    c = simulated_calibration
    assert c.resolved > 5000
    assert c.brier < c.baseline_brier
    assert (c.dates["brier"] < c.dates["baseline_brier"]).all()
    pairs = c.pairs
    plain = logistic_baseline(pairs)
    later = plain.notna()
    assert later.sum() > 4000
    ours, theirs = brier(pairs["p"][later], pairs["y"][later]), brier(plain[later],
                                                                      pairs["y"][later])
    assert ours <= theirs


@pytest.mark.slow
def test_simulated_probabilities_match_the_share_won_in_every_decile(simulated_calibration):
    d = deciles(simulated_calibration.pairs)
    assert len(d) == 10 and d["deals"].sum() == simulated_calibration.resolved
    assert d["error"].abs().max() <= 0.05


@needs(MAVEN)
@pytest.mark.slow
def test_maven_probabilities_no_worse_than_the_team_rate(maven_path):
    c = calibrated(maven_path)
    assert c.resolved > 5000
    assert c.brier <= c.baseline_brier


@needs(SPARKLE)
@pytest.mark.slow
def test_sparklesquad_probabilities_no_worse_than_the_team_rate(tmp_path):
    path = imported(tmp_path / "sq.duckdb", SPARKLE,
                    load_mapping(EXAMPLES / "sparklesquad" / "mapping.toml"))
    c = calibrated(path)
    assert c.resolved > 10000
    assert c.brier <= c.baseline_brier


@needs(SALESFORCE)
def test_salesforce_sample_has_no_lost_deal_to_calibrate_against(tmp_path):
    """18 closed deals, all won (the sample's creation dates are its load time, after every
    close: accepted as they are)."""
    path = imported(tmp_path / "sf.duckdb", SALESFORCE, presets.get("salesforce"),
                    Settings(accept=frozenset({"closed-before-created"})))
    with pytest.raises(UserError, match=r"no lost deals in the data \(18 won, 0 lost\)"):
        calibrated(path)


@needs(OLIST)
def test_olist_has_only_won_deals_to_calibrate_against(tmp_path):
    path = imported(tmp_path / "olist.duckdb", OLIST,
                    load_mapping(EXAMPLES / "olist" / "mapping.toml"))
    """The closed deals are the 842 won from the 8,000 leads; no deal is recorded lost."""
    with pytest.raises(UserError, match=r"no lost deals in the data \(842 won, 0 lost\)"):
        calibrated(path)
