"""The Monday brief on the demo workspace: Markdown kept by a golden file, HTML self-contained.

Regenerate the golden file after an intended change of layout or figures:

    FUNNELWISE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/coach/test_brief.py
"""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from funnelwise.cli.main import app

GOLDEN = Path(__file__).parent / "golden" / "brief.md"
runner = CliRunner()


@pytest.fixture(scope="module")
def briefs(demo_ws, tmp_path_factory) -> tuple[str, str]:
    out = tmp_path_factory.mktemp("brief")
    for name in ("brief.md", "brief.html"):
        result = runner.invoke(app, ["brief", "-w", str(demo_ws), "--out", str(out / name)])
        assert result.exit_code == 0, result.output
        assert "written to" in result.output
    return (out / "brief.md").read_text(), (out / "brief.html").read_text()


def test_markdown_matches_the_golden_file(briefs):
    markdown, _ = briefs
    if os.environ.get("FUNNELWISE_UPDATE_GOLDEN"):
        GOLDEN.write_text(markdown, encoding="utf-8")
    assert markdown == GOLDEN.read_text(encoding="utf-8")


def test_markdown_has_every_section_per_manager(briefs):
    markdown, _ = briefs
    managers = re.findall(r"^## (.+) \(\d+ reps\)$", markdown, flags=re.M)
    assert managers == ["Abigail King", "Harper Hall", "Lars Hill"]
    for section in ("Status against plan", "Reps who need a conversation",
                    "Bright spots to share", "Deals to review"):
        assert markdown.count(f"### {section}") == 3
    assert markdown.count("- Results: ") == 3
    assert "Open with: \"" in markdown


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.seen: set[str] = set()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.seen.add(tag)
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]
        if tag not in ("meta", "br"):
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag


def test_html_is_one_self_contained_page(briefs):
    markdown, page = briefs
    tags = Tags()
    tags.feed(page)
    assert tags.open == []
    assert {"style", "section", "table", "ol"} <= tags.seen
    assert "script" not in tags.seen and tags.urls == []
    for rep in re.findall(r"^\d+\. \*\*(.+?)\*\* \((R\d+)\)", markdown, flags=re.M):
        assert f"<b>{rep[0]}</b> ({rep[1]})" in page


def test_on_a_terminal_the_brief_is_laid_out_and_piped_it_is_markdown(demo_ws, monkeypatch):
    piped = runner.invoke(app, ["brief", "-w", str(demo_ws), "--manager", "Harper Hall"])
    assert piped.exit_code == 0, piped.output
    assert "## Harper Hall (" in piped.stdout and "### Deals to review" in piped.stdout
    from funnelwise.cli.common import console

    monkeypatch.setattr(type(console), "is_terminal", property(lambda self: True))
    shown = runner.invoke(app, ["brief", "-w", str(demo_ws), "--manager", "Harper Hall"],
                          env={"COLUMNS": "80"})
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert "Harper Hall (" in text and "Deals to review" in text
    assert "##" not in text and "**" not in text and "|---" not in text
    assert max(len(line) for line in text.splitlines()) <= 80
