"""Detector details the check fixtures do not pin: locations in decoded code, dormant paths, notes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from checks import ALL_CHECKS
from checks.fixture_kit import standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.catalogue import CheckContext, run_check
from pgolf.findings import CheckResult, Status
from pgolf.folder import load_folder
from pgolf.ruleset import load_ruleset

Make = Callable[[Mapping[str, str | bytes]], Path]


def _run(folder: Path, code: str) -> CheckResult:
    ctx = CheckContext(folder=load_folder(folder), ruleset=load_ruleset())
    return run_check(ALL_CHECKS[code](), ctx)


def test_wrapped_finding_points_into_decoded_source(make_folder: Make) -> None:
    script = fs.script(helpers=fs.NGRAM_CACHE, evaluation=fs.EVAL_NGRAM_CACHE)
    result = _run(make_folder({**standard_files(), "train_gpt.py": fs.lzma_wrapped(script)}), "PG401")
    assert result.status is Status.FAIL
    loc = result.evidence[0].location
    assert loc.decoded_from and loc.line is not None
    assert loc.excerpt == script.splitlines()[loc.line - 1].strip()
    assert "decoded from" in loc.render()


def test_score_first_ttt_leaves_a_note(make_folder: Make) -> None:
    script = fs.script(helpers=fs.SCORE_FIRST_TTT, after_eval=fs.RUN_TTT)
    result = _run(make_folder({**standard_files(), "train_gpt.py": script}), "PG405")
    assert result.status is Status.PASS
    assert any("score-first" in e.note for e in result.evidence)


def test_code_checks_skip_when_the_entry_does_not_parse(make_folder: Make) -> None:
    folder = make_folder({**standard_files(), "train_gpt.py": "def broken(:\n"})
    for code, check in ALL_CHECKS.items():
        if check.kind == "code" and code != "PG418":
            assert _run(folder, code).status is Status.SKIP, code
    assert _run(folder, "PG418").status is Status.FAIL, "unauditable code on the record track"


def test_gptq_calibration_source_is_noted(make_folder: Make) -> None:
    result = _run(make_folder({**standard_files(), "train_gpt.py": fs.script()}), "PG410")
    assert result.status is Status.PASS
    assert any("training" in e.note for e in result.evidence)
