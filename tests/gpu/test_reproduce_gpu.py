"""The example submission reproduced on CUDA GPUs through the local backend (opt in: --run-gpu).

With --run-gpu on a machine without CUDA these tests fail, never skip: a GPU job must not pass
without a GPU.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgolf.cli import main
from pgolf.runner.model import SeedStatus
from pgolf.runner.store import load_run

pytestmark = pytest.mark.gpu

REPO = Path(__file__).resolve().parents[2]


def _gpus() -> int:
    try:
        import torch
    except ImportError:
        pytest.fail("--run-gpu was given but torch is not importable")
    if not torch.cuda.is_available():
        pytest.fail("--run-gpu was given but CUDA is not available")
    return int(torch.cuda.device_count())


def test_cuda_is_there_when_asked_for() -> None:
    assert _gpus() >= 1


def test_the_example_reproduces_on_gpus_with_a_gpu_fingerprint(tmp_path: Path) -> None:
    nproc = min(_gpus(), 8)
    manifest = REPO / "submissions" / "example.toml"
    args = ["reproduce", str(manifest), "--out", str(tmp_path), "--seeds", "1337", "--nproc", str(nproc), "--quiet"]
    code = main(args)
    (run_dir,) = list((tmp_path / "example").iterdir())
    verdict = json.loads((run_dir / "report.json").read_text("utf-8"))["verdict"]
    # A GPU runs the example's 60 steps well inside its cap: the seed finishes its plan, so the verdict
    # is the score test's (the claims were made on a CPU; several ranks change the numerics a little).
    assert code == verdict["exit_code"] and verdict["state"] != "incomplete", verdict["reason"]
    run = load_run(run_dir)
    (record,) = run.seeds
    assert record.status is SeedStatus.OK and record.passed
    fp = record.fingerprint
    assert fp.gpu_count == _gpus()
    assert fp.gpu_model and fp.cuda and fp.torch and "+cpu" not in fp.torch
    assert any(
        line.startswith("CUDA Version:") for line in (run_dir / record.files["raw_log"]).read_text().splitlines()
    )
    timing = record.timing
    assert timing.external_train_s is not None and timing.script_train_s is not None
    assert timing.train_delta_s is not None and abs(timing.train_delta_s) < 1.0  # our clock agrees with the script's
    assert record.trace.hook_active and record.trace.processes == nproc + 1
    assert not record.process.group_survivors
