"""The CLI contract: exit codes 0/1/2/4, one-line errors for bad input, every output format."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from checks import ALL_CHECKS
from checks.fixture_kit import Fixture, standard_files
from pgolf.cli import main
from pgolf.findings import Status
from pgolf.schemas import schema_dict


def _write(tmp_path: Path, files: dict[str, str | bytes] | None = None, name: str = "2026-04-29_ok") -> Path:
    return Fixture(name, Status.PASS, files or standard_files(), "cli").write(tmp_path)


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> None:
    lines = [ln for ln in err.splitlines() if not ln.startswith("checking ")]
    assert len(lines) == 1 and "Traceback" not in err, err


def test_clean_folder_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _write(tmp_path)
    code, out, _ = _run(capsys, "check", str(folder), "--select", "metadata,log")
    assert code == 0, out
    assert "PG201 artifact-too-large (SIZE-CAP)" in out


def test_violation_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _write(tmp_path, standard_files(per_seed={42: {"total_bytes": 16_071_321}}))
    code, out, _ = _run(capsys, "check", str(folder), "--select", "SIZE-CAP")
    assert code == 1
    assert "FAIL" in out and "16,071,321" in out


def test_json_output_validates_against_the_report_schema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _write(tmp_path)
    code, out, _ = _run(capsys, "check", str(folder), "--format", "json", "--select", "metadata,log")
    assert code == 0
    report = json.loads(out)
    jsonschema.validate(report, schema_dict("report"))
    assert {r["code"] for r in report["submissions"][0]["results"]} <= set(ALL_CHECKS)


def test_github_and_markdown_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _write(tmp_path, standard_files(log_kwargs={"train_shards": 1499}))
    code, out, _ = _run(capsys, "check", str(folder), "--format", "github", "--select", "PG301")
    assert code == 1
    assert out.startswith("::error file=") and "line=" in out and "PG301 leaked-train-shards" in out
    _, md, _ = _run(capsys, "check", str(folder), "--format", "markdown", "--select", "PG301")
    assert "| ❌ | `PG301` leaked-train-shards |" in md


def test_policy_switches_the_verdict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = standard_files(json_overrides={"hardware": "8xH200 141GB SXM"})  # disclosed, same GPU generation
    folder = _write(tmp_path, files)
    assert _run(capsys, "check", str(folder), "--select", "PG207")[0] == 1
    code, out, _ = _run(capsys, "check", str(folder), "--select", "PG207", "--policy", "leaderboard")
    assert code == 0 and "policy readme: fail" in out and "policy leaderboard: warn" in out


def test_crashing_check_reports_error_and_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(self: object, ctx: object) -> None:
        raise RuntimeError("planted bug")

    monkeypatch.setattr(ALL_CHECKS["PG201"], "run", boom)
    folder = _write(tmp_path)
    code, out, _ = _run(capsys, "check", str(folder), "--select", "PG201,PG203")
    assert code == 4
    assert "ERROR" in out and "planted bug" in out
    assert "PG203 train-time-exceeded" in out, "the other checks still ran"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "/nonexistent/folder"], "no such file or directory"),
        (["check", "{tmp}/file.txt"], "not a folder"),
        (["check", "{tmp}/empty"], "not a submission folder"),
        (["check", "{folder}", "--select", "NO-SUCH-RULE"], "--select: unknown check or rule 'NO-SUCH-RULE'"),
        (["check", "{folder}", "--ignore", "no-such-slug"], "--ignore: unknown check or rule 'no-such-slug'"),
        (["check", "{folder}", "--select", "metadata,PG9999"], "unknown check or rule 'PG9999'"),
        (["check", "{folder}", "--select", "PG101", "--ignore", "NOPE-R"], "--ignore: unknown check or rule 'NOPE-R'"),
        (["check", "{folder}", "--select", ""], "--select '' names no check"),
        (["check", "{folder}", "--ignore", " , "], "--ignore ' , ' names no check"),
        (["explain", "NO-SUCH-RULE"], "no check, rule or topic named"),
        (["check", "{folder}", "--baseline-bpb", "abc"], "cannot read"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    folder = _write(tmp_path)
    argv = [a.format(tmp=tmp_path, folder=folder) for a in args]
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert message in err
    _one_line_error(err)


def test_click_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(capsys, "check", "--format", "yaml", ".")
    assert code == 2 and "Invalid value" in err


@pytest.mark.parametrize(
    ("extra", "expected_code", "needle"),
    [
        ({"submission.json": '{"val_bpb": 1.06,,}'}, "PG102", "not usable JSON"),
        ({"submission.json": b"\xff\xfe\x00\x01garbage\x00"}, "PG102", "submission.json"),
        ({"train_seed9.log": b"\x00\x01binary\x00" * 50}, "PG104", "not parsed"),
        ({"train_seed7.log": "\udcff invalid utf8 surrogate-free text\n"}, "PG104", ""),
    ],
)
def test_bad_files_become_findings_not_tracebacks(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: dict[str, str | bytes],
    expected_code: str,
    needle: str,
) -> None:
    files: dict[str, str | bytes] = {**standard_files(), **extra}
    if isinstance(files.get("train_seed7.log"), str):
        files["train_seed7.log"] = b"step:1/10 train_loss:\xff\xfe 2.0\n"
    folder = _write(tmp_path, files)
    code, out, err = _run(capsys, "check", str(folder), "--format", "json")
    assert "Traceback" not in err
    assert code in (0, 1)
    results = {r["code"]: r for r in json.loads(out)["submissions"][0]["results"]}
    assert all(r["status"] != "error" for r in results.values())
    if needle:
        assert needle in json.dumps(results[expected_code])


def test_symlink_out_of_the_folder_is_not_followed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret = tmp_path / "secret.log"
    secret.write_text("Total submission size int8+zlib: 99999999 bytes\n")
    fixture = Fixture(
        "2026-04-29_link", Status.PASS, standard_files(), "cli", symlinks={"train_seed5.log": str(secret)}
    )
    folder = fixture.write(tmp_path)
    code, out, _ = _run(capsys, "check", str(folder), "--format", "json")
    results = {r["code"]: r for r in json.loads(out)["submissions"][0]["results"]}
    assert results["PG104"]["status"] == "fail"
    assert "99999999" not in out, "the link target was never read"
    assert results["PG201"]["status"] == "pass"
    assert code == 1


def test_huge_sparse_log_is_refused_not_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _write(tmp_path)
    with (folder / "train_seed8.log").open("wb") as fh:
        fh.truncate(2 * 1024**3)  # a 2 GiB sparse file: costs no disk, must cost no time either
    _code, out, err = _run(capsys, "check", str(folder), "--format", "json")
    assert "Traceback" not in err
    results = {r["code"]: r for r in json.loads(out)["submissions"][0]["results"]}
    assert results["PG104"]["status"] == "warn"
    assert "read cap" in json.dumps(results["PG104"])
    assert (folder / "train_seed8.log").stat().st_size == 2 * 1024**3


def test_list_checks_and_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "list-checks", "--format", "json")
    assert code == 0
    assert [r["code"] for r in json.loads(out)] == list(ALL_CHECKS)
    code, out, _ = _run(capsys, "explain", "SIZE-CAP")
    assert code == 0 and "# PG201 artifact-too-large" in out and "# PG202 artifact-size-unverified" in out


def test_explain_topics_timeline_and_log_selection(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "explain", "timeline")
    assert code == 0 and out.startswith("# Rulings as a timeline") and '"grandfathered"' in out
    assert "- BOS-MASK (2026-04-26):" in out and "## DOC-BOUNDARY rulings (ruleset " in out  # every ruling, dated
    code, out, _ = _run(capsys, "explain", "log-selection")
    assert code == 0 and out.startswith("# Which logs are judged") and "superseded" in out


def test_schema_command_prints_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "schema", "report")
    assert code == 0 and json.loads(out)["title"] == "Report"
