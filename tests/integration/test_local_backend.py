"""The local backend with real processes: tiny scripts written into tmp dirs (CPU, seconds each).

What only real processes can show: lines stamped as they arrive, a child that ignores SIGTERM,
torchrun's ranks living in sessions of their own, a daemon that leaves its session and its
environment, pgolf itself killed with SIGKILL, the audit hook running inside the child, and Ctrl-C
cleaning up. Processes are found by a marker in their command line: inside the warden's pid
namespace the pids a script sees are not the host's.

Hostile outputs (symlinks, FIFOs, endless lines, a full disk) are in test_local_hostile.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from pgolf.runner import local, proc
from pgolf.runner.local import LocalBackend
from pgolf.runner.model import Plan, RunSpec, SeedStatus
from pgolf.runner.session import execute
from tests.local_runs import WARDEN_MODES, Warding, make_plan, marked, needs_warden, wait_gone, wait_until

pytestmark = pytest.mark.integration


def _spec(tmp_path: Path, script: str, **kwargs: Any) -> RunSpec:
    return make_plan(tmp_path, script, **kwargs).specs[0]


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
    assert record.admissible_score == pytest.approx(1.5)
    timing = record.timing
    assert timing.phases["training"].duration_s == pytest.approx(0.4, abs=0.25)  # step 1 -> stop line
    assert timing.external_train_s is not None and abs(timing.external_train_s - 0.6) < 0.3
    assert timing.external_eval_s == pytest.approx(0.3, abs=0.2)
    assert record.artifacts.model_bytes == 1000
    trace = record.trace
    assert trace.hook_active and trace.processes == 1  # the script; the warden runs untraced (-I -S)
    assert "fineweb_train_000000.bin" in trace.opens_by_phase["training"]
    assert [a.path for a in trace.train_shards_after_stop] == ["fineweb_train_000000.bin"]
    assert "after the training stop line" in " ".join(record.evidence)
    assert not record.process.group_survivors and record.process.survivor_count == 0
    assert "HOME scrubbed" in record.isolation
    assert not (spec.seed_dir / "attempt.json").exists()


IGNORES_TERM = """
import os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
# a grandchild in a session of its own, as torchrun starts its ranks
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "MARKER"], start_new_session=True)
open("started", "w").close()
print("step:1/100 train_loss:1.0 train_time:1ms step_avg:1.00ms", flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("warding", [*WARDEN_MODES, pytest.param(None, id="process-group")])
def test_a_timeout_kills_the_whole_tree_cleanly(tmp_path: Path, warding: Warding) -> None:
    marker = uuid.uuid4().hex
    spec = _spec(tmp_path, IGNORES_TERM, deadline=3.0, marker=marker)
    started = time.monotonic()
    record = LocalBackend(warding=warding).run(spec)
    elapsed = time.monotonic() - started
    assert record.status is SeedStatus.TIMED_OUT and record.violations == ["deadline-exceeded"]
    assert record.process.term_sent and record.process.kill_sent  # SIGTERM ignored: escalated
    assert record.exit_code == -signal.SIGKILL
    assert elapsed < 3.0 + 1.0 + 6.0
    assert (spec.work_dir / "started").exists()
    assert wait_gone(marker) == []


def test_a_crash_is_a_failed_seed_with_its_exit_code(tmp_path: Path) -> None:
    spec = _spec(tmp_path, 'print("step:1/9 train_loss:1.0 train_time:1ms step_avg:1.00ms")\nraise SystemExit(3)\n')
    record = LocalBackend().run(spec)
    assert record.status is SeedStatus.FAILED and record.exit_code == 3
    assert record.score_bpb is None and not record.passed


SCORE_THEN_CRASH = """
print("final_int8_zlib_roundtrip val_loss:2.0 val_bpb:1.5 eval_time:1ms", flush=True)
raise SystemExit(1)
"""


def test_a_seed_that_prints_a_score_then_crashes_has_no_admissible_score(tmp_path: Path) -> None:
    record = LocalBackend().run(_spec(tmp_path, SCORE_THEN_CRASH))
    assert record.status is SeedStatus.FAILED and record.exit_code == 1
    assert record.score_bpb == pytest.approx(1.5)  # what the log printed, kept as evidence
    assert record.score_admissible is False and record.admissible_score is None and not record.passed
    assert "the score is not counted" in " ".join(record.evidence)


# A daemon the way malware makes one: a new session, a second fork so it is nobody's child, then a
# re-exec with an empty environment (no run token, no PGOLF_* variable to find it by).
DAEMON = """
import os, sys
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execve(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "MARKER"], {})
    os._exit(0)
os.wait()
print("final_int8_zlib_roundtrip val_loss:2.0 val_bpb:1.5 eval_time:1ms")
"""


@pytest.mark.parametrize("warding", WARDEN_MODES)
def test_a_daemon_that_drops_its_session_and_environment_is_found_killed_and_fails_the_seed(
    tmp_path: Path, warding: Warding
) -> None:
    marker = uuid.uuid4().hex
    record = LocalBackend(warding=warding).run(_spec(tmp_path, DAEMON, marker=marker))
    assert record.exit_code == 0 and record.status is SeedStatus.FAILED  # not `ok`: something survived
    assert "processes-outlived-run" in record.violations and not record.passed
    assert record.process.survivor_count == 1
    assert marker in record.process.survivors[0].cmdline
    assert marker in " ".join(record.evidence)
    assert record.admissible_score is None
    assert wait_gone(marker) == []


ORPHAN = """
import subprocess, sys
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "MARKER"], start_new_session=True)
print("final_int8_zlib_roundtrip val_loss:2.0 val_bpb:1.5 eval_time:1ms")
"""


def test_without_the_warden_an_orphan_carrying_the_token_is_still_found(tmp_path: Path) -> None:
    marker = uuid.uuid4().hex
    record = LocalBackend(warding=None).run(_spec(tmp_path, ORPHAN, marker=marker))
    assert record.process.group_survivors and record.status is SeedStatus.FAILED
    assert record.isolation.startswith("local: process group only")
    assert wait_gone(marker) == []


def test_ctrl_c_kills_the_run_and_propagates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marker = uuid.uuid4().hex
    spec = _spec(tmp_path, IGNORES_TERM, deadline=60.0, marker=marker)

    def interrupted(self: local.ProcessGroup, deadline: Any) -> int | None:
        wait_until((spec.work_dir / "started").exists, 30)  # let it start its grandchild
        raise KeyboardInterrupt

    monkeypatch.setattr(local.ProcessGroup, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        LocalBackend().run(spec)
    assert wait_gone(marker) == []
    assert not spec.record_path.exists()


RANK_IGNORES_TERM = """
import os, signal, time
rank = int(os.environ["RANK"])
open(f"rank{rank}.started", "w").close()
if rank == 1:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
print(f"rank {rank} up", flush=True)
time.sleep(600)
"""


def test_torchrun_ranks_in_their_own_sessions_are_killed_at_the_deadline(tmp_path: Path) -> None:
    spec = _spec(tmp_path, RANK_IGNORES_TERM, deadline=8.0, launcher="torchrun", nproc=2)
    record = LocalBackend().run(spec)
    assert record.status is SeedStatus.TIMED_OUT
    assert all((spec.work_dir / f"rank{r}.started").exists() for r in (0, 1))
    assert wait_gone(str(spec.work_dir)) == []  # nothing runs in the seed's folder any more (cwd)
    assert record.trace.processes == 3  # torchrun and two ranks ran the audit hook


# --------------------------------------------------------------------------- pgolf killed with SIGKILL

RANKS_WITH_DAEMONS = """
import os, subprocess, sys, time
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "MARKER"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execve(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", "MARKER"], {})
    os._exit(0)
open(f"rank{os.environ['RANK']}.started", "w").close()
time.sleep(600)
"""

DRIVER = """
import sys
from pgolf.runner import proc
from pgolf.runner.local import LocalBackend
from pgolf.runner.model import Plan
from pgolf.runner.session import execute
the_plan = Plan.model_validate_json(open(sys.argv[1]).read())
mode = sys.argv[2]
warding = None if mode == "none" else proc.Warding(mode, settle_s=1.0)
execute(the_plan, LocalBackend(warding=warding))
"""


def _drive(tmp_path: Path, the_plan: Plan, mode: str) -> subprocess.Popen[bytes]:
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(the_plan.model_dump_json(), encoding="utf-8")
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER, encoding="utf-8")
    return subprocess.Popen(
        [sys.executable, str(driver), str(plan_file), mode],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@pytest.mark.parametrize("warding", WARDEN_MODES)
def test_no_process_of_the_run_outlives_pgolf_killed_with_sigkill(tmp_path: Path, warding: proc.Warding) -> None:
    marker = uuid.uuid4().hex
    the_plan = make_plan(tmp_path, RANKS_WITH_DAEMONS, deadline=600, launcher="torchrun", nproc=2, marker=marker)
    work = the_plan.specs[0].work_dir
    pgolf = _drive(tmp_path, the_plan, warding.mode)
    try:
        # two ranks, each with a session child and a daemon: four marked processes
        assert wait_until(lambda: len(marked(marker)) >= 4 and (work / "rank1.started").exists(), 120)
        pgolf.kill()
        pgolf.wait()
        left = wait_gone(marker, 5.0)
        assert left == [], f"still running 5 s after pgolf died: {left}"
        assert wait_gone(str(work), 5.0) == []  # torchrun and the ranks (their cwd) too
    finally:
        pgolf.kill()
        for pid in marked(marker):
            os.kill(pid, signal.SIGKILL)


LEFTOVERS_THEN_SCORE = """
import os, subprocess, sys, time
if os.path.exists("TMP/second-attempt"):
    print("final_int8_zlib_roundtrip val_loss:2.0 val_bpb:1.5 eval_time:1ms")
    raise SystemExit(0)
subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)", "MARKER"], start_new_session=True)
open("started", "w").close()
time.sleep(600)
"""


@pytest.mark.parametrize(
    "mode",
    [pytest.param("subreaper", marks=needs_warden), pytest.param("none", id="process-group")],
)
def test_a_resume_reaps_what_an_attempt_left_when_pgolf_and_its_warden_died_together(tmp_path: Path, mode: str) -> None:
    marker = uuid.uuid4().hex
    the_plan = make_plan(tmp_path, LEFTOVERS_THEN_SCORE, deadline=600, marker=marker)
    spec = the_plan.specs[0]
    pgolf = _drive(tmp_path, the_plan, mode)
    try:
        assert wait_until(lambda: (spec.work_dir / "started").exists() and marked(marker), 60)
        footprint = proc.process_info(pgolf.pid)
        assert footprint is not None
        warden = next((p for p in _children(pgolf.pid)), None)
        if warden is not None:
            os.kill(warden, signal.SIGSTOP)  # it cannot act on pgolf's death...
        pgolf.kill()
        pgolf.wait()
        if warden is not None:
            os.kill(warden, signal.SIGKILL)  # ...and dies with it
        time.sleep(0.5)
        assert marked(marker), "the leftover should have outlived pgolf and its warden"
        (tmp_path / "second-attempt").touch()
        run = execute(the_plan, LocalBackend(warding=None if mode == "none" else proc.Warding(mode, settle_s=1.0)))
        (record,) = run.seeds
        assert record.status is SeedStatus.OK and record.admissible_score == pytest.approx(1.5)
        assert "an interrupted attempt left" in " ".join(record.evidence)
        assert run.index.seeds[0].interrupted_attempts == 1
        assert wait_gone(marker) == []
    finally:
        pgolf.kill()
        for pid in marked(marker):
            os.kill(pid, signal.SIGKILL)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            info = proc.process_info(int(entry.name))
            if info is not None and info.ppid == pid:
                found.append(info.pid)
    return found


# --------------------------------------------------------------------------- the host's credentials

READS_TOKEN = """
import os
paths = {"home": os.path.expanduser("~/.cache/huggingface/token"), "absolute": "TMP/hostHOME/.cache/huggingface/token"}
for label, path in paths.items():
    try:
        print(label, "read", open(path).read().strip())
    except OSError as exc:
        print(label, "refused", type(exc).__name__)
print("home is", os.environ["HOME"])
"""


@pytest.mark.parametrize("warding", [*WARDEN_MODES, pytest.param(None, id="process-group")])
def test_the_run_does_not_find_the_hosts_huggingface_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, warding: Warding
) -> None:
    host_home = tmp_path / "hostHOME"
    (host_home / ".cache" / "huggingface").mkdir(parents=True)
    (host_home / ".cache" / "huggingface" / "token").write_text("hf_SECRET\n")
    monkeypatch.setenv("HOME", str(host_home))
    spec = _spec(tmp_path, READS_TOKEN)
    if warding is not None:  # what "auto" does: the credential paths under the host's home
        warding = proc.Warding(warding.mode, warding.settle_s, local.credential_masks(spec, host_home))
    record = LocalBackend(warding=warding).run(spec)
    output = spec.raw_log.read_text()
    assert "home refused" in output and f"home is {spec.home_dir}" in output  # HOME is the seed's
    if warding is not None and warding.mode == "pidns":  # a mount namespace also hides the absolute path
        assert "absolute refused" in output and "hf_SECRET" not in output
        assert "1 credential path(s) masked" in record.isolation
    else:  # no namespace: only the default location is scrubbed, and the record says which tier ran
        assert "credential" not in record.isolation
