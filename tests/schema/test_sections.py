"""One parser for the funnel file's sections: every mistake names the file, the section, the
key and the value, in plain words, with a suggestion for a misspelt key."""

from __future__ import annotations

import pytest

from funnelwise.coach.config import CoachConfig, Targets, coach_config, targets_config
from funnelwise.errors import UserError
from funnelwise.metrics.effectiveness import Attribution, attribution_config
from funnelwise.pipeline.config import ReviewConfig, review_config
from funnelwise.schema.funnel import default_funnel, parse_funnel

READERS = {"review": review_config, "coach": coach_config, "targets": targets_config,
           "effectiveness": attribution_config}


def read(section: str, body: str, where: str = "sales.toml"):
    text = default_funnel().source + f"\n[{section}]\n{body}\n"
    return READERS[section](parse_funnel(text, where=where))


def message(section: str, body: str) -> str:
    with pytest.raises(UserError) as info:
        read(section, body)
    return str(info.value)


def test_a_missing_section_gives_the_model_defaults():
    f = default_funnel()
    assert (review_config(f), coach_config(f), targets_config(f), attribution_config(f)) == (
        ReviewConfig(), CoachConfig(), Targets(), Attribution())


def test_a_misspelt_key_names_the_file_section_and_closest_key():
    assert message("review", "no_activty_days = 3") == (
        "sales.toml [review]: unknown key 'no_activty_days'; did you mean 'no_activity_days'? "
        "known: amount_min_wins, amount_multiple, cycle_quantile, disqualifying, min_pushes, "
        "no_activity_days, outcome_min_deals, outcome_ratio, stage_quantile, stall_factor")


def test_the_file_s_own_key_names_are_suggested_not_the_code_s():
    assert "did you mean 'attribution_days'?" in message("effectiveness", "atribution_days = 3")
    assert read("effectiveness", "attribution_days = 3\noutcomes = 'goals_agreed'") == (
        Attribution(window_days=3.0, kinds=("goals_agreed",)))


@pytest.mark.parametrize(("section", "body", "expected"), [
    ("review", "stage_quantile = 1", "stage_quantile must be more than 0 and less than 1, got 1"),
    ("review", "no_activity_days = -1", "no_activity_days must not be negative, got -1"),
    ("review", "min_pushes = 1.5", "min_pushes must be a whole number, got 1.5"),
    ("review", 'amount_multiple = "3"', "amount_multiple must be a number, got '3'"),
    ("review", "disqualifying = ['stalled_in_stage', 3]", "disqualifying #2 must be text, got 3"),
    ("coach", "confidence = 0.2", "confidence must be at least 0.5 and less than 1, got 0.2"),
    ("coach", "require_change = 1", "require_change must be true or false, got 1"),
    ("coach", "top = 0", "top must be a positive number, got 0"),
    ("coach", "recent_weeks = 4\nmissed_weeks = 5",
     "missed_weeks must be between 1 and recent_weeks (4), got 5"),
    ("targets", "per_week = true", "per_week must be a number, got True"),
    ("targets", "reps = { R007 = -5 }", "reps.R007 must be a positive number, got -5"),
    ("effectiveness", "attribution_days = 0", "attribution_days must be a positive number, got 0"),
])
def test_a_bad_value_names_the_key_the_rule_and_the_value(section, body, expected):
    assert message(section, body) == f"sales.toml [{section}]: {expected}"


def test_every_problem_of_a_section_is_listed_numbered():
    text = message("review", "stage_quantile = 2\nmin_pushes = -1\nfoo = 1")
    assert text.splitlines() == [
        "3 problems:",
        "  1. sales.toml [review]: stage_quantile must be more than 0 and less than 1, got 2",
        "  2. sales.toml [review]: min_pushes must not be negative, got -1",
        "  3. sales.toml [review]: unknown key 'foo'; known: amount_min_wins, amount_multiple, "
        "cycle_quantile, disqualifying, min_pushes, no_activity_days, outcome_min_deals, "
        "outcome_ratio, stage_quantile, stall_factor"]


def test_no_message_carries_pydantic_s_own_wording():
    bodies = {"review": ["stage_quantile = 'x'", "min_pushes = 1.0", "disqualifying = 3"],
              "coach": ["recent_weeks = 0", "bogus = 1"], "targets": ["reps = 3"],
              "effectiveness": ["outputs = [1]"]}
    for section, cases in bodies.items():
        for body in cases:
            text = message(section, body)
            assert text.startswith(f"sales.toml [{section}]: "), text
            assert "Value error" not in text and "Input should" not in text, text


def test_command_line_options_are_checked_like_the_file():
    with pytest.raises(UserError, match=r"^command-line options: stage_quantile must be more "
                                        r"than 0 and less than 1, got 1\.5$"):
        ReviewConfig().with_options(stage_quantile=1.5, no_activity_days=None)
    with pytest.raises(UserError, match="missed_weeks must be between 1 and recent_weeks"):
        CoachConfig().with_options(missed_weeks=9)
    assert targets_config(default_funnel(), per_week=40).per_week == 40


def test_a_section_that_is_not_a_table():
    text = default_funnel().source.replace('name = "default"', 'name = "default"\nreview = 3')
    with pytest.raises(UserError, match=r"^f.toml: \[review\] must be a table of settings"):
        review_config(parse_funnel(text, where="f.toml"))


def test_a_funnel_built_in_code_is_named_by_its_name():
    f = parse_funnel(default_funnel().source + "\n[review]\nmin_pushes = -1\n")
    with pytest.raises(UserError, match=r"^funnel 'default' \[review\]: min_pushes"):
        review_config(f)


def test_unknown_keys_of_a_step_and_a_list_of_one_name():
    steps = '[[steps]]\nname = "w"\nkind = "status"\nstatus = "won"\n'
    text = '[[steps]]\nname = "o"\nkind = "activity"\ntypes = "call"\ntype = "x"\n' + steps
    with pytest.raises(UserError) as info:
        parse_funnel(text, where="f.toml")
    assert str(info.value) == ("f.toml [[steps]] #1 ('o'): unknown key 'type'; did you mean "
                               "'types'? known: kind, kinds, name, outputs, stage, status, types")
    f = parse_funnel(text.replace('type = "x"\n', ""))
    assert f.steps[0].types == ("call",)
