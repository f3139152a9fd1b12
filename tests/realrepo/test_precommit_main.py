"""`pre-commit run --all-files` passes on a clone of the challenge's `main` that has adopted pgolf with
examples/records-pgolf.toml, and every suppression in that file still matches a finding.

The in-process judgement (what the hook runs, `pgolf precommit` on every tracked file under records/)
needs only the snapshot; the real hooks through `pre-commit try-repo` need pre-commit as well
(`make precommit-main` installs it into .venv/pre-commit) and skip, saying so, without it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgolf.config import Config
from pgolf.findings import Report, Status
from pgolf.realrepo.precommit import (
    adopt,
    clone_main,
    failing,
    find_pre_commit,
    judge,
    run_hooks,
    stale_suppressions,
    suppressed_findings,
)
from tests.realrepo.test_main_records import DELIBERATE_LEADERBOARD_FAILS

pytestmark = pytest.mark.realrepo


@pytest.fixture(scope="module")
def adopted(snapshot_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Config]]:
    clone = clone_main(snapshot_repo, tmp_path_factory.mktemp("main") / "parameter-golf")
    yield clone, adopt(clone)


@pytest.fixture(scope="module")
def report(adopted: tuple[Path, Config]) -> Report:
    clone, config = adopted
    assert config.policy is not None
    return judge(clone, config.policy, config)


@pytest.mark.timeout(900)
def test_main_passes_with_the_adoption_config(report: Report) -> None:
    assert report.policy == "leaderboard"
    assert len(report.submissions) == 60
    assert failing(report) == []


def test_every_suppression_still_matches_a_finding(adopted: tuple[Path, Config], report: Report) -> None:
    assert stale_suppressions(adopted[1], report) == []


def test_the_suppressed_findings_are_exactly_the_documented_divergences(report: Report) -> None:
    """The config suppresses what PG201's README argues (and test_main_records lists), nothing else."""
    found = {(path.rsplit("/", 1)[-1], r.rule) for path, r in suppressed_findings(report)}
    assert found == DELIBERATE_LEADERBOARD_FAILS
    for _, r in suppressed_findings(report):
        assert r.status is Status.FAIL and r.suppressed is not None and r.suppressed.applied
        assert "#" in r.suppressed.reason and r.suppressed.source.startswith(".pgolf.toml per-path-ignores")


def test_pgolf_check_in_the_clone_shows_the_suppressed_finding_with_its_reason(adopted: tuple[Path, Config]) -> None:
    clone, config = adopted
    folder = "records/track_non_record_16mb/2026-03-23_DGAttention_DavidGao"
    reason = next(rule.reason for rule in config.ignores if rule.covers(folder))
    done = subprocess.run(
        [sys.executable, "-m", "pgolf", "check", folder], cwd=clone, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "FAIL (suppressed)" in done.stdout
    assert f"suppressed: {reason} [.pgolf.toml per-path-ignores" in done.stdout


@pytest.mark.timeout(1200)
def test_pre_commit_run_all_files_passes_on_main_with_the_adoption_config(adopted: tuple[Path, Config]) -> None:
    exe = find_pre_commit()
    if exe is None:
        pytest.skip("pre-commit is not installed (`make precommit-main` installs it into .venv/pre-commit)")
    run = run_hooks(adopted[0], exe)

    assert run.exit_code == 0, run.output[-4000:]
    assert run.hooks == {"pgolf validate submission.json": "Passed", "pgolf check records folders": "Passed"}
    assert len(run.suppressed_lines) == len(DELIBERATE_LEADERBOARD_FAILS)  # shown by the hook, not hidden
