"""The brief says the accuracy the workspace keeps, once per manager after the calls, and
nothing when it keeps none for its data as it is (the golden brief: the demo fixture keeps none).

The kept figures are written by hand here (measuring replays a year of forecasts), so the
sentence is checked word for word.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app
from funnelwise.coach.brief import ManagerBrief
from funnelwise.io.workspace import Workspace
from funnelwise.metrics.span import data_span
from funnelwise.pipeline.accuracy import META_KEY, Accuracy
from funnelwise.presentation.brief import manager_html

runner = CliRunner()
SENTENCE = ("On your history: the P10-P90 band held 4 of 6 quarterly forecasts (an honest band "
            "holds 8 in 10), WAPE 9.2%; win probabilities scored 0.175 (Brier; the team's win "
            "rate alone 0.197, lower is better).")


@pytest.fixture
def ws(demo_ws: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(demo_ws, tmp_path / "demo.duckdb"))


def keep(ws: Path, *, days_before_today: int = 0) -> None:
    """Keep hand-written figures, measured on the data's today (or that many days before)."""
    with Workspace(ws) as w:
        today = data_span(w.crm()).today - dt.timedelta(days=days_before_today)
        acc = Accuracy(today=today,
                       forecast={"held": 4, "origins": 6, "wape": 0.0921, "bias": 0.03},
                       probabilities={"brier": 0.1751, "team_rate_brier": 0.1969})
        assert w.keep(META_KEY, acc.dumps(), version=w.data_version())


def brief(ws: Path, out: Path) -> str:
    result = runner.invoke(app, ["brief", "-w", str(ws), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_each_manager_s_section_ends_with_the_kept_accuracy(ws, tmp_path):
    keep(ws)
    markdown = brief(ws, tmp_path / "brief.md")
    sections = re.split(r"^## ", markdown, flags=re.M)[1:]
    assert len(sections) == 3
    for section in sections:
        assert section.count(SENTENCE) == 1
        body = section.split("\n---\n")[0].rstrip()
        assert body.endswith(SENTENCE)
        assert body.index("### Calls for 2026-Q3") < body.index(SENTENCE)


def test_the_page_says_it_dim_at_the_end_of_the_section():
    m = ManagerBrief(manager="Harper Hall", reps=7, status=("s", "p", "a"), conversations=(),
                     more_flagged=0, bright_spots=(), deals=())
    page = manager_html(m, {}, SENTENCE)
    assert page.endswith(f"<p class=dim>{SENTENCE.replace(chr(39), '&#x27;')}</p></section>")
    assert "class=dim" not in manager_html(m, {})


def test_no_sentence_when_the_measure_is_of_other_data(ws, tmp_path):
    keep(ws, days_before_today=7)  # measured before the last import: not this data's
    markdown = brief(ws, tmp_path / "brief.md")
    assert "On your history" not in markdown and "accuracy" not in markdown.lower()
