"""output.py: workflow commands that no PR-controlled text can break out of, and summary routing."""

from __future__ import annotations

from pathlib import Path

from pgolf.ci.diff import Change
from pgolf.ci.gate import PR_PATH, GateOutcome
from pgolf.ci.output import emit_summary, printable, summary, workflow_commands
from pgolf.ci.rules import OUTSIDE, SCHEMA
from pgolf.ci.shape import analyse
from pgolf.findings import CheckResult, Evidence, Location, Report, Status, SubmissionReport, worst

FOLDER = "records/track_10min_16mb/2026-04-29_x"


def _report(*subs: SubmissionReport) -> Report:
    return Report(pgolf_version="0.1.0", ruleset="2026-05-02", policy="readme", submissions=list(subs))


def _sub(path: str, *results: CheckResult) -> SubmissionReport:
    return SubmissionReport(path=path, track=None, status=worst([r.status for r in results]), results=list(results))


def test_hostile_text_stays_on_one_line() -> None:
    hostile = "1.06\n::add-mask::secret\r\n::stop-commands::x 100%"
    result = SCHEMA.result(
        Status.FAIL,
        "bad",
        [Evidence(location=Location(path="submission.json", line=3), note=f"at /val_bpb: {hostile}")],
    )

    out = workflow_commands(_report(_sub(FOLDER, result)))

    assert out == (
        f"::error file={FOLDER}/submission.json,line=3,title=PG003 submission-json-schema (REQUIRED-FILES)::"
        "at /val_bpb: 1.06%0A::add-mask::secret%0D%0A::stop-commands::x 100%25\n"
    )
    assert out.count("\n") == 1


def test_file_names_are_escaped_as_properties() -> None:
    result = OUTSIDE.result(Status.FAIL, "m", [Evidence(location=Location(path="a,b:c%d\ne.md"), note="added")])

    out = workflow_commands(_report(_sub(PR_PATH, result)))

    assert out == ("::error file=a%2Cb%3Ac%25d%0Ae.md,title=PG001 pr-touches-outside-records (REQUIRED-FILES)::added\n")


def test_undecodable_path_bytes_print_as_escapes() -> None:
    assert printable("bad\udcff.txt") == "bad\\udcff.txt"
    result = OUTSIDE.result(Status.FAIL, "m", [Evidence(location=Location(path="bad\udcff.txt"), note="x")])

    out = workflow_commands(_report(_sub(PR_PATH, result)))

    assert "file=bad\\udcff.txt," in out
    out.encode("utf-8")  # strict: would raise on a lone surrogate


def test_passes_and_skips_make_no_annotation() -> None:
    shape = analyse([Change("A", f"{FOLDER}/README.md")], ["track_10min_16mb"], set())

    assert workflow_commands(_report(_sub(PR_PATH, *shape.results))) == ""


def _outcome(changes: list[Change], folder_results: list[CheckResult]) -> GateOutcome:
    shape = analyse(changes, ["track_10min_16mb"], set())
    subs = [_sub(PR_PATH, *shape.results)]
    if folder_results:
        subs.append(_sub(FOLDER, *folder_results))
    return GateOutcome(_report(*subs), "b" * 40, "h" * 40, "m" * 40, tuple(changes), shape)


def test_summary_tables_the_gate_then_the_folder() -> None:
    changes = [Change("A", f"{FOLDER}/README.md"), Change("M", "a|b`c.md")]
    text = summary(_outcome(changes, [SCHEMA.result(Status.PASS, "submission.json matches")]))

    lines = text.splitlines()
    assert lines[0] == "# pgolf CI gate: ❌ fail"
    assert lines[2].startswith(f"Compared `{'m' * 12}` (merge base of base `{'b' * 12}`) with head `{'h' * 12}`")
    assert "| ❌ | `PG001` pr-touches-outside-records | the PR changes 1 path(s) outside" in text
    assert "- `a\\|b'c.md`: modified outside any records/<track>/<folder>/" in lines
    assert f"## `{FOLDER}`: ✅ pass" in lines  # the folder is fine; the PR around it is not
    assert text.endswith("\n")


def test_summary_without_a_folder() -> None:
    text = summary(_outcome([], []))

    assert "**❌ PG006 pr-adds-no-submission**: the PR changes nothing between its merge base and head" in text
    assert "# pgolf report" not in text


def test_emit_summary_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "s.md"

    left = emit_summary("# s\n", target, {"GITHUB_STEP_SUMMARY": str(tmp_path / "ignored.md")})

    assert (left, target.read_text("utf-8")) == ("", "# s\n")
    assert not (tmp_path / "ignored.md").exists()


def test_emit_summary_appends_to_the_step_summary(tmp_path: Path) -> None:
    step = tmp_path / "step.md"
    step.write_text("before\n", encoding="utf-8")

    left = emit_summary("# s\n", None, {"GITHUB_STEP_SUMMARY": str(step)})

    assert (left, step.read_text("utf-8")) == ("", "before\n# s\n")


def test_emit_summary_falls_back_to_stdout() -> None:
    assert emit_summary("# s\n", None, {}) == "# s\n"
    assert emit_summary("# s\n", None, {"GITHUB_STEP_SUMMARY": ""}) == "# s\n"
