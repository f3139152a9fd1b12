"""In every state, the exit code, the CLI's summary line and the banners of report.html, report.md and
report.json say the same thing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pgolf.cli import main
from pgolf.runner.model import SeedStatus

from .report_kit import CLAIMS, make_run, parse_page

STATES: dict[str, tuple[dict[int, float | None], dict[int, dict[str, Any]], int, str]] = {
    "reproduced": ({42: 1.0612, 314: 1.0609, 1234: 1.0631}, {}, 0, "REPRODUCED"),
    "worse": ({s: v + 0.01 for s, v in CLAIMS.items()}, {}, 1, "NOT REPRODUCED"),
    "over_cap": (dict(CLAIMS), {314: {"violations": ["artifact-too-large"]}}, 1, "NOT REPRODUCED"),
    "timed_out": (dict(CLAIMS), {42: {"status": SeedStatus.TIMED_OUT}}, 5, "INCOMPLETE"),
    "missing_seed": ({42: CLAIMS[42], 314: CLAIMS[314]}, {}, 5, "INCOMPLETE"),
}


@pytest.mark.parametrize("state", list(STATES))
def test_exit_code_summary_line_and_banners_agree(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], state: str
) -> None:
    scores, updates, code, headline = STATES[state]
    run_dir = make_run(tmp_path, scores, updates=updates)
    assert main(["report", str(run_dir), "--print", "none"]) == code
    summary = capsys.readouterr().err.rstrip().splitlines()[-1]
    verdict = json.loads((run_dir / "report.json").read_text("utf-8"))["verdict"]
    assert verdict["exit_code"] == code and verdict["headline"] == headline
    assert summary == f"fixture: {headline}: {verdict['reason']} ({run_dir})"
    page = parse_page(run_dir / "report.html")
    assert page.text(".state") == headline
    assert page.text(".reason") == verdict["reasons"][0]
    assert verdict["reason"].startswith(verdict["reasons"][0])
    md = (run_dir / "report.md").read_text("utf-8").splitlines()
    assert md[2].startswith(f"> **{headline}**: ")


def test_report_build_is_the_default_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = make_run(tmp_path, {42: 1.0612, 314: 1.0609, 1234: 1.0631})
    assert main(["report", "build", str(run_dir), "--print", "json", "--no-bundle"]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"]["state"] == "reproduced"
    assert not list(run_dir.glob("*.evidence.tar.gz"))
    assert main(["report", "--help"]) == 0 and "merge" in capsys.readouterr().out


def _links(run_dir: Path) -> set[str]:
    return {a.get("href", "") for tag, a in parse_page(run_dir / "report.html").tags if tag == "a"}


def test_the_page_links_the_bundle_only_when_one_is_written(tmp_path: Path) -> None:
    run_dir = make_run(tmp_path, {42: 1.0612, 314: 1.0609, 1234: 1.0631})
    assert main(["report", str(run_dir), "--print", "none", "--no-bundle"]) == 0
    assert not list(run_dir.glob("*.evidence.tar.gz"))
    assert not any(href.endswith(".evidence.tar.gz") for href in _links(run_dir))
    assert "evidence bundle" not in parse_page(run_dir / "report.html").text("#files")
    assert main(["report", str(run_dir), "--print", "none"]) == 0
    (bundle,) = run_dir.glob("*.evidence.tar.gz")
    assert bundle.name in _links(run_dir)
