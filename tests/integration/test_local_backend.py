"""The local backend with real processes: tiny scripts written into tmp dirs (CPU, seconds each).

What only real processes can show: lines stamped as they arrive, a child that ignores SIGTERM,
torchrun's ranks living in sessions of their own, orphans left behind after a normal exit, the
audit hook running inside the child, and Ctrl-C cleaning up.
"""

from __future__ import annotations

import os
import signal
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from pgolf.manifest import parse_manifest
from pgolf.runner import local
from pgolf.runner.hook import HOOK_DIR
from pgolf.runner.local import LocalBackend
from pgolf.runner.model import DataLocation, RunOptions, RunSpec, SeedStatus
from pgolf.runner.plan import plan

pytestmark = pytest.mark.integration


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers signal 0; it is dead for our purposes
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(")")[-1].split()[0] == "Z")


def _wait_dead(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _spec(tmp_path: Path, script: str, *, deadline: float = 30.0, launcher: str = "python", nproc: int = 1) -> RunSpec:
    source = tmp_path / "source"
    source.mkdir()
    (source / "train_gpt.py").write_text(textwrap.dedent(script), encoding="utf-8")
    dataset = tmp_path / "data"
    dataset.mkdir()
    (dataset / "fineweb_train_000000.bin").write_bytes(b"\0" * 64)
    (dataset / "fineweb_val_000000.bin").write_bytes(b"\0" * 64)
    manifest = parse_manifest(
        {
            "name": "tiny",
            "local_folder": "x",
            "track": "10min_16mb",
            "dataset": {"variant": "synth", "train_shards": 1, "vocab_size": 512},
            "seeds": [1],
            "nproc_per_node": nproc,
            "budget": {"train_seconds": deadline / 2, "eval_seconds": deadline / 2, "slack_seconds": 0},
        }
    )
    options = RunOptions(
        source_dir=source,
        data=DataLocation(variant="synth", dataset_dir=dataset),
        out_dir=tmp_path / "reports",
        python=sys.executable,
        hook_dir=HOOK_DIR,
        host_env=dict(os.environ),
        term_grace_s=1.0,
    )
    spec = plan(manifest, options).specs[0]
    if launcher == "python":  # the script itself, without torchrun (faster; torchrun has its own test)
        spec = spec.model_copy(update={"command": [sys.executable, "train_gpt.py"]})
    return spec


NORMAL = """
import os, time
data = os.environ["DATA_PATH"]
open(os.path.join(data, "fineweb_val_000000.bin"), "rb").close()
print("model_params:10")
for step in (1, 2, 3):
    open(os.path.join(data, "fineweb_train_000000.bin"), "rb").close()
    time.sleep(0.2)
    print(f"step:{step}/3 train_loss:1.0 train_time:{step * 200}ms step_avg:200.00ms")
print("stopping_early: wallclock_cap train_time:600ms step:3/3")
time.sleep(0.2)  # our stamp of a line lags its print by the pipe's latency; keep the order unambiguous
open(os.path.join(data, "fineweb_train_000000.bin"), "rb").close()  # after the stop line
with open(os.path.join(os.environ["ARTIFACT_DIR"], "final_model.int8.ptz"), "wb") as f:
    f.write(b"m" * 1000)
print("Total submission size int8+zlib: 1100 bytes")
time.sleep(0.3)
print("final_int8_zlib_roundtrip val_loss:2.0 val_bpb:1.5 eval_time:300ms")
"""


def test_a_normal_run_is_timestamped_as_it_happens_and_traced(tmp_path: Path) -> None:
    spec = _spec(tmp_path, NORMAL)
    record = LocalBackend().run(spec)
    assert record.status is SeedStatus.OK and record.score_bpb == pytest.approx(1.5)
    timing = record.timing
    assert timing.phases["training"].duration_s == pytest.approx(0.4, abs=0.25)  # step 1 -> stop line
    assert timing.external_train_s is not None and abs(timing.external_train_s - 0.6) < 0.3
    assert timing.external_eval_s == pytest.approx(0.3, abs=0.2)
    assert record.artifacts.model_bytes == 1000
    trace = record.trace
    assert trace.hook_active and trace.processes == 1
    assert "fineweb_train_000000.bin" in trace.opens_by_phase["training"]
    assert [a.path for a in trace.train_shards_after_stop] == ["fineweb_train_000000.bin"]
    assert "after the training stop line" in " ".join(record.evidence)
    assert not record.process.group_survivors


IGNORES_TERM = """
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
# a grandchild in a session of its own, as torchrun starts its ranks
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
open("grandchild.pid", "w").write(str(child.pid))
print("step:1/100 train_loss:1.0 train_time:1ms step_avg:1.00ms", flush=True)
time.sleep(600)
"""


def test_a_timeout_kills_the_whole_tree_cleanly(tmp_path: Path) -> None:
    spec = _spec(tmp_path, IGNORES_TERM, deadline=3.0)
    started = time.monotonic()
    record = LocalBackend().run(spec)
    elapsed = time.monotonic() - started
    assert record.status is SeedStatus.TIMED_OUT and record.violations == ["deadline-exceeded"]
    assert record.process.term_sent and record.process.kill_sent  # SIGTERM ignored: escalated
    assert record.exit_code == -signal.SIGKILL
    assert elapsed < 3.0 + 1.0 + 4.0
    grandchild = int((spec.work_dir / "grandchild.pid").read_text())
    assert _wait_dead(grandchild)


def test_a_crash_is_a_failed_seed_with_its_exit_code(tmp_path: Path) -> None:
    spec = _spec(tmp_path, 'print("step:1/9 train_loss:1.0 train_time:1ms step_avg:1.00ms")\nraise SystemExit(3)\n')
    record = LocalBackend().run(spec)
    assert record.status is SeedStatus.FAILED and record.exit_code == 3
    assert record.score_bpb is None and not record.passed


ORPHAN = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
open("orphan.pid", "w").write(str(child.pid))
print("final_int8_zlib_roundtrip val_loss:2.0 val_bpb:1.5 eval_time:1ms")
"""


def test_orphans_left_after_a_normal_exit_are_killed_and_recorded(tmp_path: Path) -> None:
    spec = _spec(tmp_path, ORPHAN)
    record = LocalBackend().run(spec)
    assert record.status is SeedStatus.OK
    assert record.process.group_survivors
    assert _wait_dead(int((spec.work_dir / "orphan.pid").read_text()))


def test_ctrl_c_kills_the_group_and_propagates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = _spec(tmp_path, IGNORES_TERM, deadline=60.0)
    original = local.ProcessGroup.wait

    def interrupted(self: local.ProcessGroup, deadline: Any) -> int | None:
        pid_file = spec.work_dir / "grandchild.pid"
        for _ in range(200):  # let the child start its grandchild first
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.05)
        raise KeyboardInterrupt

    monkeypatch.setattr(local.ProcessGroup, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        LocalBackend().run(spec)
    monkeypatch.setattr(local.ProcessGroup, "wait", original)
    assert _wait_dead(int((spec.work_dir / "grandchild.pid").read_text()))
    assert not spec.record_path.exists()


RANK_IGNORES_TERM = """
import os, signal, time
rank = int(os.environ["RANK"])
open(f"rank{rank}.pid", "w").write(str(os.getpid()))
if rank == 1:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(f"rank {rank} up", flush=True)
time.sleep(600)
"""


def test_torchrun_ranks_in_their_own_sessions_are_killed_at_the_deadline(tmp_path: Path) -> None:
    spec = _spec(tmp_path, RANK_IGNORES_TERM, deadline=8.0, launcher="torchrun", nproc=2)
    record = LocalBackend().run(spec)
    assert record.status is SeedStatus.TIMED_OUT
    pids = [int((spec.work_dir / f"rank{r}.pid").read_text()) for r in (0, 1)]
    assert all(_wait_dead(pid) for pid in pids)
    assert record.trace.processes == 3  # torchrun and two ranks ran the audit hook
