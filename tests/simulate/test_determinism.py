"""Same seed, same org; another seed, another org; scale multiplies volume about linearly."""

from __future__ import annotations

import pytest

from funnelwise.errors import UserError
from funnelwise.simulate import SimConfig, simulate_org

SMALL = SimConfig(reps=8, weeks=20, seed=5)


def test_same_seed_gives_identical_tables_and_truth() -> None:
    one, two = simulate_org(SMALL), simulate_org(SMALL)
    assert one.truth == two.truth
    for name, table in one.tables.items():
        assert table.equals(two.tables[name]), name


def test_different_seed_gives_a_different_org() -> None:
    one = simulate_org(SMALL)
    other = simulate_org(SimConfig(reps=8, weeks=20, seed=6))
    assert one.truth["reps"] != other.truth["reps"]
    for name in ("reps", "leads", "opportunities", "activities", "outcomes", "quotas"):
        assert not one.tables[name].equals(other.tables[name]), name


def test_scale_multiplies_activity_counts_linearly() -> None:
    base = simulate_org(SimConfig(reps=10, weeks=26, seed=2))
    double = simulate_org(SimConfig(reps=10, weeks=26, seed=2, scale_activities=2.0))
    assert double.truth["reps"]["R001"]["win_rate"] == base.truth["reps"]["R001"]["win_rate"]
    for name in ("activities", "leads", "opportunities"):
        ratio = double.tables[name].num_rows / base.tables[name].num_rows
        tolerance = 0.05 if name != "opportunities" else 0.12
        assert ratio == pytest.approx(2.0, rel=tolerance), (name, ratio)
    per_week = [r["outreach_per_week"] for r in double.truth["reps"].values()]
    base_week = [r["outreach_per_week"] for r in base.truth["reps"].values()]
    assert per_week == pytest.approx([2 * v for v in base_week], rel=1e-4)


@pytest.mark.parametrize("kwargs", [{"reps": 0}, {"weeks": 0}, {"scale_activities": 0.0},
                                    {"start": SMALL.start.replace(day=1)}])
def test_invalid_settings_are_user_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(UserError):
        SimConfig(**kwargs)  # type: ignore[arg-type]
