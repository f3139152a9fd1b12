"""Code hidden behind the loaders Python really runs FAILs on the record track: resolved statically and
judged by the rule it breaks, or reported as unauditable code; controls still FAIL, look-alikes pass."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from pgolf.engine import check_folder
from pgolf.findings import Status, SubmissionReport
from pgolf.ruleset import load_ruleset
from tests.unit.audit.hostile_cases import VIOLATION, controls, loaders, look_alikes

LOADERS = loaders(VIOLATION)


def _check(tmp_path: Path, files: Mapping[str, str | bytes], track: str = "track_10min_16mb") -> SubmissionReport:
    root = tmp_path / "records" / track / "2026-05-01_hostile"
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return check_folder(root, load_ruleset(), policy="leaderboard", select=["code"])


def _fails(report: SubmissionReport) -> dict[str, str]:
    return {r.rule: r.message for r in report.results if r.status is Status.FAIL}


@pytest.mark.parametrize("name", sorted(LOADERS))
def test_every_loader_fails_on_the_record_track(name: str, tmp_path: Path) -> None:
    fails = _fails(_check(tmp_path, LOADERS[name]()))
    assert fails, f"{name}: no FAIL"
    assert set(fails) & {"VAL-IN-TRAINING", "CODE-BYTES"}, fails


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("exec-literal", "VAL-IN-TRAINING"),
        ("exec-concatenation", "VAL-IN-TRAINING"),
        ("exec-join", "VAL-IN-TRAINING"),
        ("exec-bytes-list", "VAL-IN-TRAINING"),
        ("exec-alias", "VAL-IN-TRAINING"),
        ("getattr-builtins", "VAL-IN-TRAINING"),
        ("import-module-join", "VAL-IN-TRAINING"),
        ("exec-txt-file", "VAL-IN-TRAINING"),
        ("exec-log-file", "VAL-IN-TRAINING"),
        ("exec-readme", "VAL-IN-TRAINING"),
        ("codecs-rot13", "VAL-IN-TRAINING"),
        ("nested-wrappers-4", "VAL-IN-TRAINING"),
        ("dead-nesting-sum", "VAL-IN-TRAINING"),
        ("dead-nesting-elif", "VAL-IN-TRAINING"),
    ],
)
def test_resolvable_loaders_are_judged_by_the_rule_they_break(name: str, rule: str, tmp_path: Path) -> None:
    """What can be resolved statically is resolved: the hidden code is analysed like any other."""
    assert rule in _fails(_check(tmp_path, LOADERS[name]()))


@pytest.mark.parametrize(
    "name",
    ["sourceless-pyc", "zip-import", "pycache-helper", "helper-below-depth-cap", "marshal", "listing-cap-padding"],
)
def test_unreadable_code_is_unauditable(name: str, tmp_path: Path) -> None:
    fails = _fails(_check(tmp_path, LOADERS[name]()))
    assert "CODE-BYTES" in fails and "unauditable code" in fails["CODE-BYTES"], fails


def test_unauditable_code_is_a_warning_off_the_record_track(tmp_path: Path) -> None:
    report = _check(tmp_path, LOADERS["marshal"](), track="track_non_record_16mb")
    code_bytes = [r for r in report.results if r.rule == "CODE-BYTES"]
    assert code_bytes and code_bytes[0].status is Status.WARN


@pytest.mark.parametrize("name", sorted(controls()))
def test_controls_still_fail(name: str, tmp_path: Path) -> None:
    assert "VAL-IN-TRAINING" in _fails(_check(tmp_path, controls()[name]))


@pytest.mark.parametrize("name", sorted(look_alikes()))
def test_legal_look_alikes_pass(name: str, tmp_path: Path) -> None:
    assert _fails(_check(tmp_path, look_alikes()[name])) == {}
