"""[coach], [targets] and [effectiveness] in the funnel TOML: read, checked, overridden."""

from __future__ import annotations

import pytest

from funnelwise.coach.config import CoachConfig, coach_config, targets_config
from funnelwise.errors import UserError
from funnelwise.metrics.effectiveness import attribution_config
from funnelwise.schema.funnel import default_funnel, parse_funnel


def funnel(extra: str):
    return parse_funnel(default_funnel().source + "\n" + extra)


def test_defaults_without_sections():
    f = default_funnel()
    assert coach_config(f) == CoachConfig()
    assert targets_config(f).for_rep("R001") is None
    assert attribution_config(f).window_days == 30


def test_sections_are_read_and_options_win():
    f = funnel('[coach]\nmissed_weeks = 3\nrecent_weeks = 4\nconfidence = 0.99\n'
               '[targets]\nper_week = 80\n[targets.reps]\nR007 = 150\n'
               '[effectiveness]\nattribution_days = 14\noutcomes = ["goals_agreed"]\n')
    c = coach_config(f)
    assert (c.missed_weeks, c.recent_weeks, c.confidence) == (3, 4, 0.99)
    assert c.with_options(confidence=0.9, min_drop=None).confidence == 0.9
    t = targets_config(f)
    assert (t.for_rep("R007"), t.for_rep("R001")) == (150, 80)
    assert targets_config(f, per_week=60).for_rep("R001") == 60
    a = attribution_config(f)
    assert (a.window_days, a.kinds) == (14, ("goals_agreed",))


def test_unknown_setting_gets_a_suggestion():
    with pytest.raises(UserError, match="did you mean 'missed_weeks'"):
        coach_config(funnel("[coach]\nmised_weeks = 3\n"))


@pytest.mark.parametrize("text, message", [
    ("[coach]\nmissed_weeks = 9\n", "missed_weeks must be between 1 and recent_weeks"),
    ("[coach]\nconfidence = 1.5\n", "confidence must be at least 0.5 and less than 1, got 1.5"),
    ("[coach]\nrequire_change = 1\n", "must be true or false"),
    ("[targets]\nper_week = -5\n", "positive number"),
])
def test_bad_values_are_user_errors(text, message):
    with pytest.raises(UserError, match=message):
        f = funnel(text)
        coach_config(f)
        targets_config(f)
