"""The README stays honest: its check index is the catalogue, its commands exist in the Makefile."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pgolf.readme_table import README, updated

ROOT = Path(__file__).resolve().parents[2]


def test_check_index_is_current() -> None:
    text = README.read_text("utf-8")
    assert updated(text) == text, "README check index drifted: run `make docs`"


def test_make_targets_named_in_readme_exist() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    makefile += (ROOT / "docker" / "Makefile.inc").read_text("utf-8")  # included by the Makefile
    targets = set(re.findall(r"^([a-z][\w-]*):", makefile, re.MULTILINE))
    used = set(re.findall(r"\bmake ([a-z][\w-]*)", README.read_text("utf-8")))
    assert used <= targets, f"README names make targets that do not exist: {sorted(used - targets)}"


def test_readme_carries_the_example_workflow_verbatim() -> None:
    workflow = (ROOT / "examples" / "records-ci.yml").read_text("utf-8").rstrip()
    assert workflow in README.read_text("utf-8"), "README's copy-paste workflow drifted from examples/records-ci.yml"


@pytest.mark.parametrize("topic", ["timeline", "log-selection"])
def test_explain_topics_are_the_readme_sections(topic: str) -> None:
    """`pgolf explain timeline|log-selection` prints the README's section of the same title."""
    from pgolf.cli.catalogue_cmds import topic_text

    title, _, body = topic_text(topic).partition("\n\n")
    readme = README.read_text("utf-8")
    assert f"#{title}\n\n{body}" in readme, f"README's {title!r} section drifted from pgolf/resources/topics/{topic}.md"
