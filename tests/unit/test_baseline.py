from __future__ import annotations

from pathlib import Path

import pytest

from checks.fixture_kit import Fixture, standard_files
from pgolf.baseline import baseline_from_folder, baseline_from_numbers
from pgolf.errors import UsageError
from pgolf.findings import Status
from pgolf.ruleset import load_ruleset


def test_numbers_with_and_without_seeds() -> None:
    b = baseline_from_numbers("42=1.0611, 314=1.0613")
    assert [(s.seed, s.val_bpb) for s in b.scores] == [(42, 1.0611), (314, 1.0613)]
    assert [s.seed for s in baseline_from_numbers("1.0,1.1").scores] == [None, None]
    with pytest.raises(UsageError):
        baseline_from_numbers(" , ")


def test_folder_baseline_takes_logged_seed_scores(tmp_path: Path) -> None:
    folder = Fixture("2026-04-01_base", Status.PASS, standard_files({1: 1.07, 2: 1.08}), "b").write(tmp_path)
    b = baseline_from_folder(folder, load_ruleset())
    assert sorted((s.seed, round(s.val_bpb, 4)) for s in b.scores) == [(1, 1.07), (2, 1.08)]
    assert all(s.val_loss is not None for s in b.scores)
