"""What a hostile submission can do to the host side of a local run, each as a real run (issue 13):
links and FIFOs planted in its output folder, output without newlines, and a full disk.

A record must never hash a host file as "the model", block on a FIFO, hold a long line more than
once, or be lost to a full disk; and a resume after a full disk must work.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pgolf.runner.local import LocalBackend
from pgolf.runner.model import SeedStatus
from pgolf.runner.session import execute
from pgolf.runner.store import DiskFull, load_run
from tests.local_runs import make_plan

pytestmark = pytest.mark.integration

SCORE = 'print("final_int8_zlib_roundtrip val_loss:2.0 val_bpb:1.5 eval_time:1ms")'

ARTIFACT_TO_SECRET = f"""
import os
os.symlink("TMP/secret", os.path.join(os.environ["ARTIFACT_DIR"], "final_model.int8.ptz"))
{SCORE}
"""


def test_an_artifact_linked_to_a_host_file_is_refused_never_hashed(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_bytes(b"root:$6$not-a-model\n" * 100)
    spec = make_plan(tmp_path, ARTIFACT_TO_SECRET).specs[0]
    record = LocalBackend().run(spec)
    assert record.artifacts.model_bytes == 0 and all(f.kind == "code" for f in record.artifacts.files)
    (refusal,) = record.artifacts.refused
    assert refusal == f"out/artifacts/final_model.int8.ptz is a symlink to {secret}: not followed, not counted"
    assert "refused-output" in record.violations and not record.passed
    assert f"refused: {refusal}" in record.evidence


TRACE_TO_DEV_ZERO_AND_FIFO = f"""
import os
trace = os.environ["PGOLF_TRACE_DIR"]
os.symlink("/dev/zero", os.path.join(trace, "trace-zero.jsonl"))
os.mkfifo(os.path.join(trace, "trace-fifo.jsonl"))
{SCORE}
"""


def test_a_trace_linked_to_dev_zero_and_a_fifo_are_refused_without_blocking(tmp_path: Path) -> None:
    spec = make_plan(tmp_path, TRACE_TO_DEV_ZERO_AND_FIFO).specs[0]
    started = time.monotonic()
    record = LocalBackend().run(spec)
    assert time.monotonic() - started < 60  # /dev/zero read whole was a MemoryError; a FIFO blocks forever
    refused = " ".join(record.trace.refused_files)
    assert "trace-zero.jsonl: a symlink" in refused and "trace-fifo.jsonl: a fifo" in refused
    assert record.trace.hook_active  # the script's own trace file was still read
    assert "refused-output" not in record.violations  # the trace is evidence, not the artifact
    assert any(line.startswith("refused: out/trace/trace-zero.jsonl") for line in record.evidence)


OUTPUT_FOLDER_REPLACED = f"""
import os, shutil
elsewhere = "TMP/elsewhere"
os.makedirs(elsewhere, exist_ok=True)
open(os.path.join(elsewhere, "final_model.int8.ptz"), "wb").write(b"m" * 10)
shutil.rmtree(os.environ["ARTIFACT_DIR"])
os.symlink(elsewhere, os.environ["ARTIFACT_DIR"])
{SCORE}
"""


def test_an_artifact_folder_replaced_by_a_link_is_not_walked(tmp_path: Path) -> None:
    record = LocalBackend().run(make_plan(tmp_path, OUTPUT_FOLDER_REPLACED).specs[0])
    assert record.artifacts.model_bytes == 0
    assert record.artifacts.refused == ["out/artifacts: a symlink or not a folder: not followed"]
    assert "refused-output" in record.violations


ENDLESS_LINE = f"""
import sys
block = b"x" * (1 << 20)
for _ in range(64):  # 64 MiB without a newline
    sys.stdout.buffer.write(block)
sys.stdout.buffer.write(b"\\n")
sys.stdout.flush()
{SCORE}
"""


def test_a_64_mib_line_is_kept_whole_on_disk_and_cut_in_memory(tmp_path: Path) -> None:
    spec = make_plan(tmp_path, ENDLESS_LINE).specs[0]
    record = LocalBackend().run(spec)
    assert record.status is SeedStatus.OK and record.admissible_score == pytest.approx(1.5)
    assert spec.raw_log.stat().st_size > 64 << 20  # the raw log has it whole
    longest = max(len(line) for line in spec.stamped_log.read_bytes().splitlines())
    assert longest < 80 << 10  # 64 KiB of text, JSON-escaped, plus our note
    assert any("line(s) longer than 65,536 bytes were cut" in n for n in record.process.notes)


# --------------------------------------------------------------------------- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 40 MiB tmpfs for the run folder (needs root and mount(8); skipped elsewhere)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mount)], check=False, capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


FILLS_THE_DISK = f"""
import os
if not os.path.exists("TMP/second-attempt"):
    with open(os.path.join(os.environ["ARTIFACT_DIR"], "filler"), "wb") as f:
        try:
            while True:
                f.write(b"\\0" * (1 << 20))
                f.flush()
        except OSError as exc:
            print("filler stopped:", exc.strerror, flush=True)
{SCORE}
"""


def test_a_full_disk_writes_a_record_that_says_so_and_a_resume_recovers(tmp_path: Path, small_disk: Path) -> None:
    the_plan = make_plan(tmp_path, FILLS_THE_DISK, out_dir=small_disk / "reports")
    spec = the_plan.specs[0]
    with pytest.raises(DiskFull, match="free space, then re-run the same command"):
        execute(the_plan, LocalBackend())
    record = json.loads(spec.record_path.read_text("utf-8"))  # the reserve made room for it
    assert record["process"]["disk_full"] is True
    assert any("disk filled up" in line or "MiB free" in line for line in record["evidence"])
    assert load_run(the_plan.run_dir).index.seeds[0].state == "pending"  # not a result: it runs again

    with pytest.raises(DiskFull, match="no space left"):  # still full: a clear error, not a crash
        execute(the_plan, LocalBackend())

    (spec.artifact_dir / "filler").unlink()  # the operator frees space
    (tmp_path / "second-attempt").touch()
    run = execute(the_plan, LocalBackend())
    (done,) = run.seeds
    assert done.status is SeedStatus.OK and not done.process.disk_full
    assert done.admissible_score == pytest.approx(1.5)
    assert run.index.seeds[0].interrupted_attempts == 1
    assert (the_plan.run_dir / "seed-1.interrupted-1" / "record.json").is_file()  # the evidence is kept


def test_disk_full_is_an_environment_error_with_exit_3() -> None:
    from pgolf.errors import EXIT_ENVIRONMENT

    assert DiskFull.exit_code == EXIT_ENVIRONMENT
