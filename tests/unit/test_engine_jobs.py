"""`check_paths(..., jobs=N)`: folders checked in worker processes give the serial report, in order."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.engine import check_paths
from pgolf.errors import InputError
from pgolf.findings import Report, Status
from pgolf.ruleset import load_ruleset


def _summary(report: Report) -> list[tuple[str, list[tuple[str, str]]]]:
    return [(s.path, [(r.code, r.status.value) for r in s.results]) for s in report.submissions]


def test_parallel_folders_match_the_serial_report(tmp_path: Path) -> None:
    folders = [
        Fixture(f"2026-05-0{i}_jobs", Status.PASS, {**standard_files(), "train_gpt.py": script}, "jobs").write(
            tmp_path / str(i)
        )
        for i, script in enumerate([fs.script(), fs.lzma_wrapped(fs.script()), fs.script(helpers=fs.NGRAM_CACHE)])
    ]
    ruleset = load_ruleset()
    serial = check_paths(folders, ruleset, select=["code"], jobs=1)
    parallel = check_paths(folders, ruleset, select=["code"], jobs=2)
    assert _summary(parallel) == _summary(serial)
    assert [s.path for s in parallel.submissions] == [str(f) for f in folders]


def test_a_folder_error_stops_a_parallel_run_as_it_does_a_serial_one(tmp_path: Path) -> None:
    empty = tmp_path / "records" / "track_10min_16mb" / "2026-05-01_empty"
    empty.mkdir(parents=True)
    good = Fixture("2026-05-01_good", Status.PASS, standard_files(), "jobs").write(tmp_path / "g")
    with pytest.raises(InputError, match="not a submission folder"):
        check_paths([good, empty], load_ruleset(), select=["code"], jobs=2)
