"""The benchmark's three ways (funnelwise, hand-written SQL, pandas) give the same report.

`make bench` checks this on every run at 20 million activities; here it is checked on a small
org on every `make test`, so a change to a metric that the hand-written ways do not follow
fails at once instead of at the next benchmark. The org is the benchmark's (seed 7, warmer
conversion) at 30 reps and 45 weeks (to 2026-05-11: coverage then measures a quarter with
wins in it), where one rep handed most of its closed deals to an owner
missing from the reps table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from funnelwise.simulate import SimConfig, simulate_org, write_org

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import pandas_report  # noqa: E402
import report  # noqa: E402
import run  # noqa: E402
import sql_report  # noqa: E402

NAMES = [m.name for m in report.REPORT]


@pytest.fixture(scope="module")
def outs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("bench")
    data = root / "data"
    config = SimConfig(reps=30, weeks=45, seed=7, conversion=1.65)
    write_org(simulate_org(config), data, fmt="parquet")
    hand_over(data / "opportunities.parquet", rep="R005", keep=6, to="R999")
    ways = {way: root / way for way in run.WAYS}
    for folder in ways.values():
        folder.mkdir()
    report.main(data, ways["funnelwise"])
    sql_report.main(data, ways["sql"], NAMES)
    pandas_report.main(data, ways["pandas"], NAMES)
    return ways


def hand_over(path: Path, *, rep: str, keep: int, to: str) -> None:
    """All but `keep` of `rep`'s closed deals go to `to`, who is not in the reps table: `rep`
    then has too little history of its own to plan with, and `to` is an owner without a
    team. Every way reads the same changed file."""
    o = pd.read_parquet(path)
    closed = o.index[(o["owner_rep_id"] == rep) & o["status"].isin(["won", "lost"])]
    o.loc[closed[keep:], "owner_rep_id"] = to
    o.to_parquet(path, index=False)


def test_every_metric_of_the_report_is_written_by_every_way(outs):
    assert NAMES == ["winrates", "funnel", "cycle", "effectiveness", "review", "coverage",
                     "plan_inputs"]
    for folder in outs.values():
        assert sorted(p.stem for p in folder.glob("*.parquet")) == sorted(NAMES)


def test_the_three_ways_agree(outs):
    assert run.check_equal(outs) == []


def test_the_comparison_fails_when_one_figure_differs(outs, tmp_path):
    """The check is not vacuous: one deal fewer for one rep in the SQL's review is caught."""
    changed = {**outs, "sql": tmp_path}
    for name in NAMES:
        frame = pd.read_parquet(outs["sql"] / f"{name}.parquet")
        if name == "review":
            frame.loc[0, "deals"] -= 1
        frame.to_parquet(tmp_path / f"{name}.parquet")
    (problem,) = run.check_equal(changed)
    assert problem.startswith("review: sql differs from funnelwise")


def test_the_pipeline_figures_compared_are_not_empty(outs):
    """Every review rule flags deals on this org, and coverage has pipeline and disqualified
    value to compare, so agreement is on real figures, not on zeros."""
    rv = pd.read_parquet(outs["funnelwise"] / "review.parquet")
    assert rv[list(report.RULES)].sum().min() > 0
    assert rv["disqualified_deals"].sum() > 0 and rv["flagged_deals"].sum() > 0
    cov = pd.read_parquet(outs["funnelwise"] / "coverage.parquet")
    assert (cov["open_pipeline"] > 0).sum() >= 5 and (cov["disqualified_value"] > 0).sum() >= 1
    assert (cov["won"] > 0).sum() >= 5


def test_plan_inputs_cover_every_rep_with_a_quota_and_the_team(outs):
    plan = pd.read_parquet(outs["funnelwise"] / "plan_inputs.parquet").set_index("key")
    assert len(plan) == 31 and plan.loc["(all)", "source"] == "team"
    assert sorted(plan.index[plan["source"] == "team"]) == ["(all)", "R005"]
    assert plan.loc["(all)", "quota"] == pytest.approx(plan["quota"].drop("(all)").sum())
    assert (plan["wins"] < 30).any() and (plan["wins"] >= 30).any()
