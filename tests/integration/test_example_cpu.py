"""The bundled example submission, run for real on CPU under torchrun (gloo), on a synthetic dataset.

Checks that its logs are real baseline-era logs (the §3.3 regexes and pgolf's parser agree on
them), that the artifact on disk is the one the log measures, and that the test knobs provoke the
failures pgolf's runner must handle (crash, hang with SIGTERM ignored, oversized artifact).
"""

from __future__ import annotations

import math
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from pgolf.data.synth import SynthDataset, synth_dataset
from pgolf.logs.model import SizeKind
from pgolf.logs.parser import parse_log

pytest.importorskip("torch", reason="the example needs torch (the runner extra)")
pytest.importorskip("sentencepiece", reason="the example needs sentencepiece (the runner extra)")

pytestmark = pytest.mark.integration

SCRIPT = Path(__file__).resolve().parents[2] / "submissions" / "example" / "train_gpt.py"
SEQ_LEN = 128  # the example's TRAIN_SEQ_LEN default

# ENVIRONMENT.md §3.3, old (baseline-era) formats
TRAIN_STEP = re.compile(r"^step:(\d+)/(\d+) train_loss:([\d.]+) train_time:(\d+)ms step_avg:([\d.]+)ms$")
PERIODIC_VAL = re.compile(
    r"^step:(\d+)/(\d+) val_loss:([\d.]+) val_bpb:([\d.]+) train_time:(\d+)ms step_avg:([\d.]+)ms$"
)
STOP = re.compile(r"^stopping_early: wallclock_cap train_time:(\d+)ms step:(\d+)/(\d+)$")
MODEL_SIZE = re.compile(
    r"^Serialized model int8\+zlib: (\d+) bytes \(payload:\d+ raw_torch:\d+ payload_ratio:[\d.]+x\)$"
)
CODE_SIZE = re.compile(r"^Code size: (\d+) bytes$")
TOTAL_SIZE = re.compile(r"^Total submission size int8\+zlib: (\d+) bytes$")
FINAL = re.compile(r"^final_int8_zlib_roundtrip val_loss:(\d+\.\d{4}) val_bpb:(\d+\.\d{4}) eval_time:(\d+)ms$")
FINAL_EXACT = re.compile(r"^final_int8_zlib_roundtrip_exact val_loss:(\d+\.\d{8}) val_bpb:(\d+\.\d{8})$")
SHARDS = re.compile(r"^train_loader:dataset:(\S+) train_shards:(\d+)$")
VAL_TOKENS = re.compile(r"^val_loader:shards pattern=(\S+) tokens:(\d+)$")
TOTAL_EVAL = re.compile(r"^total_eval_time:([\d.]+)s$")


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    artifact_dir: Path

    def lines(self, pattern: re.Pattern[str]) -> list[re.Match[str]]:
        return [m for line in self.stdout.splitlines() if (m := pattern.match(line))]

    def one(self, pattern: re.Pattern[str]) -> re.Match[str]:
        found = self.lines(pattern)
        assert len(found) == 1, (pattern.pattern, self.stdout[-3000:])
        return found[0]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> SynthDataset:
    return synth_dataset(tmp_path_factory.mktemp("example_data") / "data")


def _env(ds: SynthDataset, artifact_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PGOLF_EXAMPLE_", "RANK", "WORLD_SIZE"))}
    env.update(
        DATA_PATH=str(ds.dataset_dir),
        TOKENIZER_PATH=str(ds.tokenizer_path),
        VOCAB_SIZE=str(ds.vocab_size),
        SEED="1337",
        RUN_ID="seed1337",
        ARTIFACT_DIR=str(artifact_dir),
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def _torchrun() -> list[str]:
    beside = Path(sys.executable).with_name("torchrun")
    return [str(beside)] if beside.is_file() else [sys.executable, "-m", "torch.distributed.run"]


def run_example(ds: SynthDataset, tmp_path: Path, *, nproc: int = 1, **extra: str) -> Run:
    artifact_dir = tmp_path / "artifacts"
    done = subprocess.run(
        [*_torchrun(), "--standalone", f"--nproc_per_node={nproc}", str(SCRIPT)],
        env=_env(ds, artifact_dir, **extra),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    return Run(done.returncode, done.stdout, done.stderr, artifact_dir)


def _check_complete_run(run: Run, ds: SynthDataset, world_size: int) -> float:
    """Every baseline-era line is there and consistent; returns the final val_bpb."""
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.one(SHARDS).groups() == (ds.dataset_name, str(ds.train_shards))
    assert int(run.one(VAL_TOKENS).group(2)) == (ds.val_tokens - 1) // SEQ_LEN * SEQ_LEN
    assert f"world_size:{world_size} grad_accum_steps:1" in run.stdout.splitlines()
    steps = run.lines(TRAIN_STEP)
    numbers = [int(m.group(1)) for m in steps]
    assert numbers[:1] == [1] and numbers == sorted(set(numbers))
    assert run.lines(PERIODIC_VAL)
    artifact = run.artifact_dir / "final_model.int8.ptz"
    model_bytes = int(run.one(MODEL_SIZE).group(1))
    code_bytes = int(run.one(CODE_SIZE).group(1))
    assert artifact.stat().st_size == model_bytes
    assert code_bytes == SCRIPT.stat().st_size
    assert int(run.one(TOTAL_SIZE).group(1)) == model_bytes + code_bytes
    rounded, exact = run.one(FINAL), run.one(FINAL_EXACT)
    bpb = float(exact.group(2))
    assert math.isfinite(bpb) and 0 < bpb < 12
    assert abs(float(rounded.group(2)) - bpb) < 6e-5
    assert run.one(TOTAL_EVAL)
    return bpb


def _check_parser(text: str, bpb: float, model_bytes: int, world_size: int) -> None:
    log = parse_log(text, "train_seed1337.log")
    assert log.final is not None and log.final.label == "final_int8_zlib_roundtrip_exact"
    assert log.final.val_bpb == pytest.approx(bpb, abs=1e-8)
    model = log.size(SizeKind.MODEL)
    assert model is not None and model.bytes == model_bytes
    assert log.world_size is not None and log.world_size.value == world_size
    assert log.seed is not None and log.seed.value == 1337
    assert log.max_wallclock_seconds is not None


def test_one_process_with_defaults(dataset: SynthDataset, tmp_path: Path) -> None:
    run = run_example(dataset, tmp_path)
    bpb = _check_complete_run(run, dataset, world_size=1)
    stop = run.one(STOP)
    assert int(stop.group(1)) >= 15_000, "the default cap is 15 s"
    # step counts and timings depend on the machine's load: only learning itself is asserted
    first_val = float(run.lines(PERIODIC_VAL)[0].group(4))
    assert bpb < first_val - 0.5, "the model learned from the synthetic text"
    model_bytes = int(run.one(MODEL_SIZE).group(1))
    _check_parser(run.stdout, bpb, model_bytes, world_size=1)
    own_log = run.artifact_dir / "seed1337.txt"
    text = own_log.read_text(encoding="utf-8")
    assert text.count("=" * 100) == 2 and "def main() -> None:" in text, "the source dump of the baseline"
    _check_parser(text, bpb, model_bytes, world_size=1)


def test_two_processes_over_gloo(dataset: SynthDataset, tmp_path: Path) -> None:
    run = run_example(dataset, tmp_path, nproc=2, MAX_WALLCLOCK_SECONDS="6", VAL_LOSS_EVERY="0")
    bpb = _check_complete_run(run, dataset, world_size=2)
    _check_parser(run.stdout, bpb, int(run.one(MODEL_SIZE).group(1)), world_size=2)
    assert run.one(STOP)


def test_iteration_cap_ends_without_a_stop_line(dataset: SynthDataset, tmp_path: Path) -> None:
    run = run_example(dataset, tmp_path, ITERATIONS="4", MAX_WALLCLOCK_SECONDS="0", WARMUP_STEPS="0")
    _check_complete_run(run, dataset, world_size=1)
    assert not run.lines(STOP)
    assert run.lines(PERIODIC_VAL)[-1].group(1, 2) == ("4", "4")


def test_crash_knob(dataset: SynthDataset, tmp_path: Path) -> None:
    run = run_example(dataset, tmp_path, PGOLF_EXAMPLE_CRASH_AT_STEP="2")
    assert run.returncode != 0
    assert [int(m.group(1)) for m in run.lines(TRAIN_STEP)] == [1, 2]
    assert "PGOLF_EXAMPLE_CRASH_AT_STEP=2: deliberate crash after step 2" in run.stderr
    assert not run.lines(FINAL_EXACT)
    assert "pgolf_example_test_knobs: crash_at_step=2" in run.stdout


def test_pad_knob_pushes_the_artifact_over_the_cap(dataset: SynthDataset, tmp_path: Path) -> None:
    pad = 16_000_000
    run = run_example(
        dataset, tmp_path, PGOLF_EXAMPLE_PAD_ARTIFACT_BYTES=str(pad), MAX_WALLCLOCK_SECONDS="2", VAL_LOSS_EVERY="0"
    )
    _check_complete_run(run, dataset, world_size=1)  # the padded artifact still loads and scores
    model_bytes = int(run.one(MODEL_SIZE).group(1))
    assert model_bytes > pad and int(run.one(TOTAL_SIZE).group(1)) > 16_000_000


def test_hang_knob_ignores_sigterm(dataset: SynthDataset, tmp_path: Path) -> None:
    """Without torchrun (one plain process): after training starts only SIGKILL ends it."""
    artifact_dir = tmp_path / "artifacts"
    env = _env(dataset, artifact_dir, PGOLF_EXAMPLE_HANG="1", MAX_WALLCLOCK_SECONDS="60")
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        own_log = artifact_dir / "seed1337.txt"
        hanging = re.compile(r"^pgolf_example: PGOLF_EXAMPLE_HANG=1: hanging", re.MULTILINE)  # not the source dump
        deadline = time.monotonic() + 120
        while not hanging.search(own_log.read_text() if own_log.exists() else ""):
            assert proc.poll() is None, "exited before hanging"
            assert time.monotonic() < deadline, "never reached the hang"
            time.sleep(0.2)
        assert re.search(r"^step:1/\d+ train_loss:", own_log.read_text(), re.MULTILINE)
        proc.send_signal(signal.SIGTERM)
        time.sleep(2)
        assert proc.poll() is None, "SIGTERM must be ignored"
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
