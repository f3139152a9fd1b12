"""`pgolf precommit`: staged files -> the records folders they belong to, each judged once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import pgolf.engine
from checks.fixture_kit import Fixture, standard_files, submission_json
from pgolf.ci.precommit import folders_for, run_precommit
from pgolf.cli import main
from pgolf.findings import Status
from pgolf.ruleset import load_ruleset

T = "records/track_10min_16mb"


def test_folders_for_dedupes_and_ignores_files_outside_records() -> None:
    files = [
        f"{T}/b/submission.json",
        f"{T}/a/README.md",
        f"{T}/b/logs/train_seed42.log",
        "README.md",
        f"{T}/loose.md",
        "records/track_non_record_16mb/c d/train_gpt.py",
    ]

    assert folders_for(files) == [f"{T}/a", f"{T}/b", "records/track_non_record_16mb/c d"]


@pytest.fixture
def no_catalogue(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(pgolf.engine, "all_checks", list)
    yield


def _write(tmp_path: Path, name: str, **overrides: str) -> Path:
    files = {**standard_files(), **overrides}
    return Fixture(name=name, expect=Status.PASS, files=files, why="").write(tmp_path)


@pytest.mark.usefixtures("no_catalogue")
def test_each_folder_once_with_its_schema_result(tmp_path: Path) -> None:
    _write(tmp_path, "good")
    bad = json.loads(submission_json(date="2026-05-03"))  # after strict_v1 took effect (SUBMISSION-SCHEMA)
    del bad["github_id"]
    _write(tmp_path, "bad", **{"submission.json": json.dumps(bad, indent=2)})
    staged = [f"{T}/good/README.md", f"{T}/good/submission.json", f"{T}/bad/train_seed42.log"]

    report = run_precommit(staged, load_ruleset(), repo_root=tmp_path)

    assert [(s.path, s.status) for s in report.submissions] == [(f"{T}/bad", Status.FAIL), (f"{T}/good", Status.PASS)]
    (error,) = report.submissions[0].results[0].evidence
    assert (error.location.json_pointer, error.location.line) == ("/github_id", 1)


def test_deleted_folders_are_skipped(tmp_path: Path) -> None:
    report = run_precommit([f"{T}/gone/README.md"], load_ruleset(), repo_root=tmp_path)

    assert report.submissions == []


def test_schema_only_runs_no_catalogue_check(tmp_path: Path) -> None:
    _write(tmp_path, "good")

    report = run_precommit([f"{T}/good/README.md"], load_ruleset(), repo_root=tmp_path, schema_only=True)

    assert [r.code for r in report.submissions[0].results] == ["PG003"]
    assert report.submissions[0].track == "track_10min_16mb"


@pytest.mark.usefixtures("no_catalogue")
def test_cli_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _write(tmp_path, "good")
    _write(tmp_path, "bad", **{"submission.json": "{"})
    monkeypatch.chdir(tmp_path)

    assert main(["precommit", f"{T}/good/README.md", "README.md"]) == 0
    assert main(["precommit", f"{T}/bad/submission.json"]) == 1
    assert "PG003 submission-json-schema" in capsys.readouterr().out
    assert main(["precommit"]) == 0  # nothing staged under records/


def test_only_staged_folders_each_under_the_rulings_of_its_date(tmp_path: Path) -> None:
    """The same unmasked SmearGate (DOC-BOUNDARY): submitted before the BOS-mask ruling of 2026-04-26
    it is grandfathered (WARN), after it a FAIL under the leaderboard policy; an unstaged folder is
    not judged at all."""
    from checks.unmasked_doc_lookback.fixtures import PER_DOC, UNMASKED
    from pgolf.audit import fixture_scripts as fs

    script = fs.script(model=UNMASKED, helpers=PER_DOC)
    for name, date in (("2026-04-20_before", "2026-04-20"), ("2026-04-29_after", "2026-04-29"), ("x", "2026-04-29")):
        files = {**standard_files(json_overrides={"date": date}), "train_gpt.py": script}
        Fixture(name=name, expect=Status.PASS, files=files, why="").write(tmp_path)
    staged = [f"{T}/2026-04-20_before/train_gpt.py", f"{T}/2026-04-29_after/submission.json"]

    report = run_precommit(staged, load_ruleset(), repo_root=tmp_path, policy="leaderboard")

    by_folder = {s.path: {r.code: r for r in s.results} for s in report.submissions}
    assert sorted(by_folder) == [f"{T}/2026-04-20_before", f"{T}/2026-04-29_after"]
    before, after = by_folder[f"{T}/2026-04-20_before"]["PG416"], by_folder[f"{T}/2026-04-29_after"]["PG416"]
    assert (before.status, after.status) == (Status.WARN, Status.FAIL)
    assert any("grandfathered" in ev.note for ev in before.evidence)


@pytest.mark.usefixtures("no_catalogue")
def test_schema_errors_of_a_folder_dated_before_the_strict_schema_are_grandfathered(tmp_path: Path) -> None:
    old = json.loads(submission_json(date="2026-03-20"))
    del old["github_id"]
    _write(tmp_path, "2026-03-20_Old", **{"submission.json": json.dumps(old)})

    report = run_precommit([f"{T}/2026-03-20_Old/README.md"], load_ruleset(), repo_root=tmp_path)

    (schema,) = report.submissions[0].results
    assert schema.status is Status.WARN
    assert schema.message.startswith("grandfathered (dated before SUBMISSION-SCHEMA 2026-05-02): ")
    assert schema.evidence[0].note.startswith("grandfathered: submitted 2026-03-20 (submission.json date)")
    assert [e.location.json_pointer for e in schema.evidence[1:]] == ["/github_id"]
