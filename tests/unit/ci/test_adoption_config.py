"""The records repository's adoption config (examples/records-pgolf.toml) and `make precommit-main`'s
reading of it: every entry reasoned, the docs' copy verbatim, stale entries reported, hook lines parsed.

Whether the config makes the hooks pass on the real `main` is tests/realrepo/test_precommit_main.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pgolf.config import parse_config
from pgolf.errors import EnvironmentMissing, UsageError
from pgolf.findings import CheckResult, Report, Status, SubmissionReport, verdict
from pgolf.realrepo.precommit import (
    _HOOK_LINE,
    ADOPTION_CONFIG,
    adopt,
    find_pre_commit,
    main,
    stale_suppressions,
    suppressed_findings,
)
from pgolf.suppress import apply, validate_names

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "ci-gate.md"
T = "records/track_10min_16mb"


def _config_text() -> str:
    return ADOPTION_CONFIG.read_text("utf-8")


def test_the_adoption_config_judges_as_the_organizers_and_reasons_every_exception() -> None:
    config = parse_config(_config_text(), Path("/records/.pgolf.toml"))

    assert config is not None
    assert config.policy == "leaderboard"
    assert config.select == ()  # nothing outside the listed exceptions is switched off
    validate_names(config)
    assert config.ignores, "no exception listed"
    for rule in config.ignores:
        assert len(rule.paths) == 1 and rule.paths[0].startswith("records/track_"), rule.source  # one folder each
        assert "*" not in rule.paths[0] and "?" not in rule.paths[0], f"{rule.source}: a glob, not one folder"
        assert re.search(r"#\d+", rule.reason), f"{rule.source}: the reason names no organizer decision (PR)"
        assert re.search(r"\d{1,3}(,\d{3}){2} bytes", rule.reason), f"{rule.source}: no measured value"
        assert "16,000,000" in rule.reason, f"{rule.source}: no limit"


def test_docs_carry_the_adoption_config_verbatim() -> None:
    assert _config_text().rstrip() in DOC.read_text("utf-8"), "docs/ci-gate.md's adoption config drifted"


def _result(code: str, slug: str, rule: str) -> CheckResult:
    return CheckResult(code=code, slug=slug, rule=rule, status=Status.FAIL, message="over")


def _report(config_text: str, found: dict[str, list[CheckResult]]) -> Report:
    config = parse_config(config_text, Path("/repo/.pgolf.toml"))
    assert config is not None
    subs = []
    for folder, results in found.items():
        marked = apply(results, config, folder=folder)
        subs.append(SubmissionReport(path=folder, track="10min_16mb", status=verdict(marked), results=marked))
    return Report(pgolf_version="0", ruleset="r", policy="leaderboard", submissions=subs)


def test_a_suppression_that_matches_no_finding_is_reported_stale() -> None:
    text = f"""
[per-path-ignores]
"{T}/a" = {{ ignore = ["PG201", "PG101"], reason = "accepted in #1" }}
"{T}/gone" = {{ ignore = ["PG201"], reason = "accepted in #2" }}
"""
    config = parse_config(text, Path("/repo/.pgolf.toml"))
    assert config is not None
    report = _report(text, {f"{T}/a": [_result("PG201", "artifact-too-large", "SIZE-CAP")], f"{T}/b": []})

    assert [(p, r.code) for p, r in suppressed_findings(report)] == [(f"{T}/a", "PG201")]
    stale = stale_suppressions(config, report)
    assert stale == [
        f".pgolf.toml per-path-ignores '{T}/a': PG101 suppresses no finding",
        f".pgolf.toml per-path-ignores '{T}/gone': PG201 suppresses no finding",
    ]


def test_a_suppression_by_rule_or_kind_counts_as_used() -> None:
    text = f'[per-path-ignores]\n"{T}/a" = {{ ignore = ["SIZE-CAP", "log"], reason = "accepted in #1" }}\n'
    config = parse_config(text, Path("/repo/.pgolf.toml"))
    assert config is not None
    report = _report(text, {f"{T}/a": [_result("PG201", "artifact-too-large", "SIZE-CAP")]})

    assert stale_suppressions(config, report) == []  # PG201 is a SIZE-CAP check of kind "log"


def test_pre_commit_result_lines_are_read_per_hook() -> None:
    lines = {
        "pgolf validate submission.json.........................................Passed": "Passed",
        "pgolf check records folders.............................................Failed": "Failed",
        "pgolf validate submission.json........(no files to check)Skipped": "Skipped",
    }
    for line, result in lines.items():
        match = _HOOK_LINE.match(line)
        assert match is not None and match["result"] == result, line
    assert _HOOK_LINE.match("- hook id: pgolf-check-records") is None


def test_a_relative_pre_commit_path_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hooks run in the clone, so `make precommit-main`'s `.venv/pre-commit/bin/pre-commit` must
    not be resolved against it; a path that names nothing is a one-line error."""
    exe = tmp_path / "bin" / "pre-commit"
    exe.parent.mkdir()
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    monkeypatch.chdir(tmp_path)

    assert find_pre_commit("bin/pre-commit") == str(exe)
    with pytest.raises(EnvironmentMissing, match="no such executable"):
        find_pre_commit("bin/missing")


def test_a_missing_config_is_a_one_line_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(UsageError, match="no such file"):
        adopt(tmp_path, tmp_path / "absent.toml")
    assert main(["--no-hook", "--config", str(tmp_path / "absent.toml")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --config ") and err.count("\n") == 1 and "Traceback" not in err
