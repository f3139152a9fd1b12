"""Shared by both backends: staging a seed folder and turning an Execution into a SeedRecord."""

from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path

import pytest

from pgolf.logs.parser import parse_log
from pgolf.runner.clock import NS_PER_S
from pgolf.runner.model import EnvFingerprint, ProcessOutcome, RunSpec, SeedStatus
from pgolf.runner.plan import plan
from pgolf.runner.record import ISOLATION_LOCAL, Execution, finalize, scan_artifacts, stage, status_of
from pgolf.runner.trace import TraceClock

from .runner_fakes import BASELINE_LOG, BASELINE_TIMES, make_manifest, make_options, stamped

WHEN = dt.datetime(2026, 5, 2, tzinfo=dt.UTC)


def _spec(tmp_path: Path, **manifest: object) -> RunSpec:
    return plan(make_manifest(**manifest), make_options(tmp_path)).specs[0]


def test_stage_copies_a_read_only_source_into_a_writable_work_folder(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    (spec.source_dir / "helpers").mkdir()
    (spec.source_dir / "helpers" / "ngram.c").write_text("int x;\n", "utf-8")
    for path in [*spec.source_dir.rglob("*"), spec.source_dir]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        stage(spec)
        (spec.work_dir / "helpers" / "libngram.so").write_bytes(b"built at first use")
        (spec.work_dir / "train_gpt.py").write_text("changed", "utf-8")
    finally:
        for path in [spec.source_dir, *spec.source_dir.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    assert (spec.source_dir / "train_gpt.py").read_text("utf-8") == "print('hello')\n"
    for folder in (spec.artifact_dir, spec.trace_dir, spec.home_dir, spec.cache_dir / "inductor"):
        assert folder.is_dir()


def test_artifact_bytes_are_measured_code_from_the_pristine_source(tmp_path: Path) -> None:
    spec = _spec(tmp_path, artifact_globs=["*.ptz"])
    (spec.source_dir / "stale.ptz").write_bytes(b"s" * 10)  # shipped with the folder: not produced
    stage(spec)
    (spec.artifact_dir / "final_model.int8.ptz").write_bytes(b"m" * 1000)
    (spec.work_dir / "in_cwd.ptz").write_bytes(b"c" * 500)
    (spec.artifact_dir / "final_model.pt").write_bytes(b"r" * 99_999)  # raw weights: not counted
    artifacts = scan_artifacts(spec, None)
    code = len("print('hello')\n")
    assert [(f.path, f.kind) for f in artifacts.files] == [
        ("source/train_gpt.py", "code"),
        ("out/artifacts/final_model.int8.ptz", "model"),
        ("out/work/in_cwd.ptz", "model"),
    ]
    assert artifacts.code_bytes == code
    assert artifacts.model_bytes == 1500
    assert artifacts.total_bytes == code + 1500
    assert not artifacts.exceeds_cap
    assert artifacts.reported_total_bytes is None and artifacts.practiced_bytes is None  # no log, no code size
    assert artifacts.written_bytes == code + 1500


def test_bytes_under_both_policies_match_pgolf_check(tmp_path: Path) -> None:
    """#2135's shape: the run logs a compressed code size; the entry script execs a helper at run time."""
    spec = _spec(tmp_path, artifact_globs=["*.ptz"])
    entry = "exec(open('helper.py').read())\nprint('x')\n"
    (spec.source_dir / "train_gpt.py").write_text(entry, "utf-8")
    (spec.source_dir / "helper.py").write_text("y = 1\n" * 50, "utf-8")
    stage(spec)
    (spec.artifact_dir / "final_model.int6.ptz").write_bytes(b"m" * 4000)
    log = "Serialized model quantized+pergroup: 4000 bytes\nCode size (compressed): 37 bytes\n"
    log += "Total submission size quantized+pergroup: 4037 bytes\n"
    artifacts = scan_artifacts(spec, parse_log(log, "output.log"))
    shipped = len(entry) + len("y = 1\n" * 50)
    assert artifacts.code_bytes == shipped and [f.path for f in artifacts.files if f.kind == "code"] == [
        "source/train_gpt.py",
        "source/helper.py",
    ]
    assert artifacts.practiced_bytes == 37 + 4000 == artifacts.reported_total_bytes
    assert artifacts.practiced_matches_log and artifacts.model_matches_log
    assert artifacts.written_bytes == shipped + 4000 and artifacts.total_bytes == shipped + 4000
    assert artifacts.logged_code_bytes == 37 and artifacts.code_count == "compressed estimate"
    assert artifacts.uncounted_code and artifacts.uncounted_code[0].startswith("helper.py")
    assert artifacts.exceeds_cap_practiced is False and artifacts.exceeds_cap_written is False


def test_the_cap_is_the_tracks(tmp_path: Path) -> None:
    spec = _spec(tmp_path).model_copy(update={"max_artifact_bytes": 100})
    stage(spec)
    (spec.artifact_dir / "m.ptz").write_bytes(b"m" * 100)
    artifacts = scan_artifacts(spec, None)
    assert artifacts.exceeds_cap and artifacts.cap_bytes == 100


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        (ProcessOutcome(exit_code=0), SeedStatus.OK),
        (ProcessOutcome(exit_code=1), SeedStatus.FAILED),
        (ProcessOutcome(exit_code=0, setup_failed=True), SeedStatus.FAILED),
        (ProcessOutcome(exit_code=-9, signal=9), SeedStatus.KILLED),
        (ProcessOutcome(exit_code=-9, signal=9, kill_sent=True, timed_out=True), SeedStatus.TIMED_OUT),
        (ProcessOutcome(exit_code=-15, signal=15, term_sent=True), SeedStatus.FAILED),
    ],
)
def test_status_of(outcome: ProcessOutcome, status: SeedStatus) -> None:
    assert status_of(outcome) is status


def _execution(lines_text: str, times: list[float], outcome: ProcessOutcome) -> Execution:
    return Execution(
        outcome=outcome,
        lines=stamped(lines_text, times),
        t0_ns=0,
        launch_ns=0,
        exit_ns=18 * NS_PER_S,
        started=WHEN,
        ended=WHEN + dt.timedelta(seconds=18),
        isolation=ISOLATION_LOCAL,
        fingerprint=EnvFingerprint(torch="2.13.0+cpu"),
        trace_clock=TraceClock("monotonic", 0, 0.0),
    )


def test_finalize_builds_a_complete_record(tmp_path: Path) -> None:
    spec = _spec(tmp_path, claims={"1": {"val_bpb": 1.6}})
    stage(spec)
    (spec.artifact_dir / "final_model.int8.ptz").write_bytes(b"m" * 451_742)
    record = finalize(spec, _execution(BASELINE_LOG, BASELINE_TIMES, ProcessOutcome(exit_code=0)))
    assert record.status is SeedStatus.OK and record.passed
    assert record.score_bpb == pytest.approx(1.61855567)
    assert record.score_label is not None and record.score_label.startswith("final_int8_zlib_roundtrip")
    assert record.artifacts.model_bytes == 451_742
    assert record.artifacts.reported_total_bytes == 479_786
    assert record.timing.phases["training"].duration_s == pytest.approx(9.7)
    assert record.claim is not None and record.claim.val_bpb == 1.6
    assert record.files == {
        "raw_log": "seed-1/output.log",
        "stamped_log": "seed-1/output.jsonl",
        "trace_dir": "seed-1/out/trace",
    }
    assert record.deadline_s == spec.budget.deadline_s
    assert "audit hook wrote no trace" in " ".join(record.evidence)
    if record.parsed_log is None:  # the log parser is optional; the note says why it is absent
        assert record.parse_note
    else:
        assert record.parsed_log.stop is not None and record.parsed_log.stop.train_time_ms == 10_000


def test_a_crash_without_a_score_fails_and_a_timeout_is_a_violation(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    stage(spec)
    crashed = finalize(spec, _execution("Hyperparameters:\nTraceback", [1, 2], ProcessOutcome(exit_code=1)))
    assert crashed.status is SeedStatus.FAILED and not crashed.passed and crashed.score_bpb is None
    assert any("no produced file matched" in note for note in crashed.evidence)
    timed = ProcessOutcome(exit_code=-9, signal=9, timed_out=True, term_sent=True, kill_sent=True)
    assert finalize(spec, _execution("x", [1], timed)).violations == ["deadline-exceeded"]


def test_exit_zero_without_a_score_line_is_no_score(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    stage(spec)
    record = finalize(spec, _execution("hello", [1], ProcessOutcome(exit_code=0)))
    assert record.violations == ["no-score"] and not record.passed


def test_oversize_artifact_is_a_violation(tmp_path: Path) -> None:
    spec = _spec(tmp_path).model_copy(update={"max_artifact_bytes": 1000})
    stage(spec)
    (spec.artifact_dir / "final_model.int8.ptz").write_bytes(os.urandom(1000))
    record = finalize(spec, _execution(BASELINE_LOG, BASELINE_TIMES, ProcessOutcome(exit_code=0)))
    assert record.violations == ["artifact-too-large"]
    assert record.artifacts.total_bytes > record.artifacts.cap_bytes


def test_read_only_bits_survive_nowhere_in_work(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    (spec.source_dir / "train_gpt.py").chmod(0o444)
    stage(spec)
    assert (spec.work_dir / "train_gpt.py").stat().st_mode & stat.S_IWUSR
