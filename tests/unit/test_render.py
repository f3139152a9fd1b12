"""Renderers: GitHub command escaping, markdown cells, text summary lines."""

from __future__ import annotations

from pgolf.findings import CheckResult, Evidence, Location, Report, Status, SubmissionReport
from pgolf.render import RENDERERS
from pgolf.render.github import annotation


def _report(status: Status) -> Report:
    ev = Evidence(
        location=Location(path="train_seed42.log", line=7, excerpt="Total: 1"),
        note="50% over, a|b",
        measured=2,
        limit=1,
    )
    result = CheckResult(
        code="PG201",
        slug="artifact-too-large",
        rule="SIZE-CAP",
        status=status,
        message="too big:\nsecond line",
        evidence=[ev],
    )
    sub = SubmissionReport(path="records/track_10min_16mb/x", track="track_10min_16mb", status=status, results=[result])
    return Report(pgolf_version="0", ruleset="r", policy="readme", submissions=[sub])


def test_annotation_escapes_properties_and_data() -> None:
    line = annotation("error", "PG1: a,b", "50% done\nnext", "dir/a,b.log", 3)
    assert line == "::error file=dir/a%2Cb.log,line=3,title=PG1%3A a%2Cb::50%25 done%0Anext"


def test_github_render_points_at_repo_relative_file() -> None:
    out = RENDERERS["github"](_report(Status.FAIL))
    assert out.startswith("::error file=records/track_10min_16mb/x/train_seed42.log,line=7,")
    assert RENDERERS["github"](_report(Status.PASS)) == ""


def test_markdown_escapes_pipes() -> None:
    md = RENDERERS["markdown"](_report(Status.WARN))
    assert "a\\|b" in md and "| ⚠️ | `PG201` artifact-too-large | SIZE-CAP |" in md


def test_text_shows_evidence_only_for_findings() -> None:
    failing = RENDERERS["text"](_report(Status.FAIL))
    assert "train_seed42.log:7: 50% over, a|b measured=2 limit=1" in failing
    assert "=> FAIL (1 fail)" in failing
    assert "train_seed42.log" not in RENDERERS["text"](_report(Status.PASS))
