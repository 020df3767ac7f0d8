"""The win-probability model kept with each import: a review reads it instead of fitting, says
exactly what a fitted one says, and never uses it where it would not hold (another team,
funnel, day or thresholds; data imported since)."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import ibis
import numpy as np
import pytest
from typer.testing import CliRunner

from funnelwise import __version__
from funnelwise.cli.accuracy_cmd import measure_and_keep
from funnelwise.cli.main import app
from funnelwise.io.workspace import KEPT, KEPT_WITH, Workspace
from funnelwise.metrics.asof import as_of
from funnelwise.metrics.scope import Scope, restrict
from funnelwise.pipeline import landmarks, probability
from funnelwise.pipeline import rules as registry
from funnelwise.pipeline.config import review_config
from funnelwise.schema import default_funnel
from tests.conftest import MAVEN, needs

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def forget_model(path: Path, copy: Path) -> Path:
    """A copy of the workspace without its kept model."""
    shutil.copy(path, copy)
    with Workspace(copy) as ws:
        ws.con.execute("DELETE FROM funnelwise_meta WHERE key = ?", [KEPT + probability.KEPT])
    return copy


@pytest.fixture(scope="module")
def kept_demo(demo_ws: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace with what an import keeps (the accuracy and the model)."""
    path = Path(shutil.copy(demo_ws, tmp_path_factory.mktemp("kept") / "demo.duckdb"))
    measure_and_keep(path)
    return path


def fitting(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Count the landmark pipelines built (a fit builds some; a kept model none)."""
    built: list[object] = []
    real = landmarks.pipeline_on

    def counted(*args: object, **kwargs: object) -> landmarks.Pipeline:
        built.append(args[1])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(probability, "pipeline_on", counted)
    return built


def test_the_kept_model_is_the_fitted_one_number_for_number(kept_demo, monkeypatch):
    built = fitting(monkeypatch)
    with Workspace(kept_demo, read_only=True) as ws:
        crm = ws.crm()
        snap, config = as_of(crm), review_config(crm.funnel)
        kept = probability.fit(crm, snap, config=config)
        assert built == []
        fitted = probability.fit(dataclasses.replace(crm), snap, config=config)
    assert len(built) == 8 == len(kept.landmarks) + 1  # the landmarks and the day itself
    assert kept.fitted_ is not None and fitted.fitted_ is not None
    assert np.array_equal(kept.fitted_.coef_, fitted.fitted_.coef_)
    assert np.array_equal(kept.fitted_.effects_, fitted.fitted_.effects_)
    assert kept.fitted_.group_sd_ == fitted.fitted_.group_sd_
    assert (kept.p_all, kept.trust, kept.stages, kept.rules, kept.reps, kept.landmarks,
            kept.rows, kept.deals) == (fitted.p_all, fitted.trust, fitted.stages,
                                       fitted.rules, fitted.reps, fitted.landmarks,
                                       fitted.rows, fitted.deals)
    assert set(kept.exprs) == set(fitted.exprs) == {"win_outcomes", "won_cycle"}


def test_review_and_brief_say_the_same_with_the_kept_model_as_without(kept_demo, tmp_path):
    fresh = forget_model(kept_demo, tmp_path / "fresh.duckdb")
    for args in (("review", "--format", "json"), ("review",), ("brief",)):
        assert run(*args, "--workspace", str(kept_demo)) == run(*args, "--workspace",
                                                                  str(fresh)), args
    review = json.loads(run("review", "--format", "json", "--workspace", str(kept_demo)))
    deals = review["opportunities"]
    assert len(deals) > 100 and all(0 < d["probability"] < 1 for d in deals)


@needs(MAVEN)
def test_on_maven_the_import_keeps_the_model_the_review_would_fit(tmp_path):
    path = tmp_path / "maven.duckdb"
    run("import", "--workspace", str(path), "--preset", "maven", str(MAVEN))
    with Workspace(path, read_only=True) as ws:
        kept = json.loads(ws.kept()[probability.KEPT])
    assert kept["day"] == "2018-01-01" and kept["fitted"] is not None
    fresh = forget_model(path, tmp_path / "fresh.duckdb")
    args = ("review", "--format", "json", "--limit", "0")
    assert run(*args, "--workspace", str(path)) == run(*args, "--workspace", str(fresh))


def test_a_team_another_funnel_day_or_thresholds_fit_their_own(kept_demo, monkeypatch):
    built = fitting(monkeypatch)
    with Workspace(kept_demo, read_only=True) as ws:
        crm = ws.crm()
        assert probability.KEPT in crm.kept
        team = sorted(crm.reps.team.to_pandas().dropna().unique())[0]
        assert restrict(crm, Scope(team=team)).kept == {}
        assert ws.crm(default_funnel()).kept == {}
        snap, config = as_of(crm), review_config(crm.funnel)
        probability.fit(crm, snap, config=config)
        assert built == []
        earlier = dataclasses.replace(snap, day=snap.day.replace(day=1))
        probability.fit(crm, earlier, config=config)
        assert built and built[-1].day == earlier.day
        built.clear()
        probability.fit(crm, snap, config=config.with_options(no_activity_days=10))
        assert built and built[-1].day == snap.day


def test_an_import_forgets_what_was_kept_for_the_data_before(kept_demo, tmp_path):
    path = Path(shutil.copy(kept_demo, tmp_path / "again.duckdb"))
    with Workspace(path, read_only=True) as ws:
        before = ws.data_version()
        assert set(ws.kept()) == {"accuracy", probability.KEPT}
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "reps.csv").write_text("rep_id,name\nR999,Noor Haddad\n")
    run("import", "--no-accuracy", "--workspace", str(path), str(folder))
    with Workspace(path) as ws:
        assert ws.kept() == {} and ws.crm().kept == {}
        assert ws.data_version() not in (None, before)
        # a result measured on the data before the import is not kept
        assert not ws.keep("accuracy", "{}", version=before) and ws.kept() == {}
        assert ws.keep("accuracy", "{}", version=ws.data_version())
        assert ws.kept() == {"accuracy": "{}"}


def test_a_rule_replaced_under_its_name_fits_its_own(kept_demo, monkeypatch):
    """A team's own `no_customer_activity` (here: flagging every open deal) is not read from
    a model fitted with the built-in one's flags."""
    builtin = registry.get("no_customer_activity")

    def every_deal(ctx: registry.Context) -> ibis.Table:
        return ctx.deals.select("opportunity_id", value=ibis.literal(1.0),
                                threshold=ibis.literal(0.0))

    monkeypatch.setitem(registry.RULES, builtin.name,
                        dataclasses.replace(builtin, flag=every_deal,
                                            evidence=lambda row: "flagged"))
    built = fitting(monkeypatch)
    with Workspace(kept_demo, read_only=True) as ws:
        crm = ws.crm()
        assert probability.KEPT in crm.kept
        model = probability.fit(crm, as_of(crm), config=review_config(crm.funnel))
    assert len(built) == 8 and model.fitted_ is not None


def as_older(path: Path, copy: Path) -> Path:
    """The workspace as an older funnelwise left it: the accuracy under `accuracy`, no data
    version, no model."""
    shutil.copy(path, copy)
    with Workspace(copy) as ws:
        ws.con.execute("UPDATE funnelwise_meta SET key = 'accuracy' WHERE key = ?",
                       [KEPT + "accuracy"])
        ws.con.execute("DELETE FROM funnelwise_meta WHERE key IN ('data_version', ?) "
                       "OR starts_with(key, ?)", [KEPT_WITH, KEPT])
    return copy


def test_an_older_workspace_shows_its_accuracy_and_keeps_what_is_measured(kept_demo,
                                                                            tmp_path):
    old = as_older(kept_demo, tmp_path / "old.duckdb")
    shown = json.loads(run("review", "--format", "json", "--workspace", str(old)))
    measured = json.loads(run("accuracy", "--format", "json", "--workspace", str(kept_demo)))
    assert shown["accuracy"]["statement"] == measured["statement"]
    with Workspace(old, read_only=True) as ws:
        assert ws.data_version() is None and set(ws.kept()) == {"accuracy"}
    measure_and_keep(old)  # once is enough
    with Workspace(old, read_only=True) as ws:
        assert ws.data_version() is not None
        assert set(ws.kept()) == {"accuracy", probability.KEPT}
        assert ws.get_meta("accuracy") is None


def test_what_another_version_kept_is_not_read_and_a_refresh_refits(kept_demo, tmp_path,
                                                                     monkeypatch):
    path = Path(shutil.copy(kept_demo, tmp_path / "upgraded.duckdb"))
    with Workspace(path) as ws:
        ws.set_meta(KEPT_WITH, "0.0.1")
        assert ws.kept() == {} and ws.crm().kept == {}
    built = fitting(monkeypatch)
    measure_and_keep(path)  # what `accuracy --refresh` does: fitted, not read back
    assert built
    with Workspace(path, read_only=True) as ws:
        assert ws.get_meta(KEPT_WITH) == __version__
        assert set(ws.kept()) == {"accuracy", probability.KEPT}
