"""Every record folder on the challenge's `main`, checked under both policies.

The verdicts themselves are figures (`make realrepo`); what is asserted here is what must hold
on every real folder: it is checked (not refused), nothing crashes, no check returns `error`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pgolf.findings import POLICIES
from pgolf.realrepo.scan import Outcome, check_targets, main_target, summarize

pytestmark = pytest.mark.realrepo


@pytest.fixture(scope="module")
def outcomes(snapshot_repo: Path, main_folders: list[str]) -> list[Outcome]:
    return check_targets(snapshot_repo, [main_target(f) for f in main_folders])


def test_main_has_the_merged_records(main_folders: list[str]) -> None:
    assert len(main_folders) == 60
    assert any(f.endswith("2026-03-17_NaiveBaseline") for f in main_folders)


@pytest.mark.timeout(1800)
def test_every_main_folder_is_checked_without_crash_or_error(
    outcomes: list[Outcome], capsys: pytest.CaptureFixture[str]
) -> None:
    summary = summarize("main's record folders", outcomes)
    with capsys.disabled():
        print("\n" + "\n".join(summary.lines()))
    assert [o.target.label for o in summary.refused] == []
    assert [o.target.label for o in summary.crashes] == []
    assert [o.target.label for o in summary.errors] == []
    assert all(set(o.seconds) == set(POLICIES) for o in outcomes)
