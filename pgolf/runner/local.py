"""The local backend: torchrun on this machine, in its own process group, under our deadline.

Isolation is the process group only: the submission sees the host's network and filesystem. What it
reads and connects to is still observed by the audit hook, and the record says which tier ran.
"""

from __future__ import annotations

import io
import os
import shlex
import signal
import subprocess
import threading
import uuid
from pathlib import Path
from types import TracebackType
from typing import ClassVar, cast

from pgolf.errors import EnvironmentMissing
from pgolf.manifest import Manifest
from pgolf.runner import fingerprint, proc
from pgolf.runner.capture import LineCapture, LineSink, no_sink
from pgolf.runner.clock import SYSTEM_CLOCK, Clock, Deadline
from pgolf.runner.defaults import runner_defaults
from pgolf.runner.model import (
    BackendName,
    ContainerSpec,
    DataLocation,
    EnvFingerprint,
    ProcessOutcome,
    RunOptions,
    RunSpec,
    SeedRecord,
)
from pgolf.runner.placement import ProcessPaths
from pgolf.runner.record import ISOLATION_LOCAL, Execution, finalize, stage
from pgolf.runner.trace import TraceClock

# After SIGKILL, the kernel needs a moment to tear processes down and init to reap them.
_REAP_WAIT_S = 5.0
_READER_JOIN_S = 5.0
_PROBE_TIMEOUT_S = 120.0
PREFLIGHT_SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "preflight.py"


class ProcessGroup:
    """A supervised child: its own session, output read by a thread, and on every exit path (normal,
    deadline, KeyboardInterrupt, error) nothing tagged with the run's token is left alive."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], capture: LineCapture, clock: Clock) -> None:
        self._argv = argv
        self._cwd = cwd
        self._token = uuid.uuid4().hex
        self._env = {**env, proc.TOKEN_VAR: self._token}
        self._capture = capture
        self._clock = clock
        self._popen: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self.term_sent = False
        self.kill_sent = False
        self.survivors = False
        self.notes: list[str] = []

    def __enter__(self) -> ProcessGroup:
        self._popen = proc.spawn(self._argv, cwd=self._cwd, env=self._env)
        self._reader = threading.Thread(target=self._read, name="pgolf-reader", daemon=True)
        self._reader.start()
        return self

    def _read(self) -> None:
        assert self._popen is not None and self._popen.stdout is not None
        stream = cast(io.BufferedReader, self._popen.stdout)
        # read1 returns whatever has arrived (up to 64 KiB) without waiting for more: lines are
        # stamped when they reach us, not when a buffer fills.
        for chunk in iter(lambda: stream.read1(1 << 16), b""):
            self._capture.feed(chunk)

    @property
    def pgid(self) -> int:
        assert self._popen is not None
        return self._popen.pid  # session leader: its pid is the group id

    def wait(self, deadline: Deadline) -> int | None:
        """The exit status, or None if the deadline came first."""
        assert self._popen is not None
        try:
            return self._popen.wait(timeout=deadline.remaining_s())
        except subprocess.TimeoutExpired:
            return None

    def stop(self, grace_s: float) -> int:
        """SIGTERM everything, SIGKILL what is left after the grace period; the leader's status."""
        assert self._popen is not None
        proc.signal_group(self.pgid, signal.SIGTERM)
        proc.signal_tagged(self._token, signal.SIGTERM)
        self.term_sent = True
        try:
            return self._popen.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self._kill()
            return self._popen.wait()

    def _kill(self) -> None:
        proc.signal_group(self.pgid, signal.SIGKILL)
        proc.signal_tagged(self._token, signal.SIGKILL)
        self.kill_sent = True

    def _sweep(self) -> None:
        """After the leader exits: anything of its group or tagged with its token is an orphan."""
        if not (proc.group_alive(self.pgid) or proc.tagged_processes(self._token)):
            return
        self.survivors = True
        self._kill()
        deadline = Deadline.after(self._clock, _REAP_WAIT_S)
        while (proc.group_alive(self.pgid) or proc.tagged_processes(self._token)) and not deadline.expired:
            self._clock.sleep(0.05)
        if proc.group_alive(self.pgid) or proc.tagged_processes(self._token):
            self.notes.append(f"process group {self.pgid} still present {_REAP_WAIT_S:.0f}s after SIGKILL")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._popen is None:
            return
        if self._popen.poll() is None:  # interrupted or an error of ours: the child must not outlive us
            self._kill()
            self._popen.wait()
        self._sweep()
        if self._reader is not None:
            self._reader.join(timeout=_READER_JOIN_S)
            if self._reader.is_alive():
                self.notes.append("output reader still blocked after exit (a process kept the pipe open)")
        if self._popen.stdout is not None and (self._reader is None or not self._reader.is_alive()):
            self._popen.stdout.close()


def _outcome(code: int, group: ProcessGroup, timed_out: bool) -> ProcessOutcome:
    return ProcessOutcome(
        exit_code=code,
        signal=-code if code < 0 else None,
        timed_out=timed_out,
        term_sent=group.term_sent,
        kill_sent=group.kill_sent,
        group_survivors=group.survivors,
        notes=group.notes,
    )


def supervise(argv: list[str], spec: RunSpec, deadline: Deadline, capture: LineCapture, clock: Clock) -> ProcessOutcome:
    """Run one command to completion or to the deadline, then make sure its whole tree is gone."""
    with ProcessGroup(argv, spec.work_dir, spec.env, capture, clock) as group:
        code = group.wait(deadline)
        timed_out = code is None
        if code is None:
            capture.note(f"deadline of {spec.budget.deadline_s:.0f}s reached: SIGTERM to the process group")
            code = group.stop(spec.budget.term_grace_s)
    return _outcome(code, group, timed_out)


class LocalPlacement:
    """Host paths under the seed folder; the host's own environment (the allow list) and interpreter."""

    def paths(self, seed_dir: Path, data: DataLocation, options: RunOptions) -> ProcessPaths:
        out = seed_dir / "out"  # RunSpec.out_dir
        return ProcessPaths(
            workdir=str(out / "work"),
            dataset=str(data.dataset_dir),
            tokenizer=None if data.tokenizer_path is None else str(data.tokenizer_path),
            artifacts=str(out / "artifacts"),
            trace=str(out / "trace"),
            cache=str(seed_dir.parent / "cache" if options.shared_compile_cache else out / "cache"),
            home=None,
            hook=str(options.hook_dir),
            shim=None if options.shim_dir is None else str(options.shim_dir),
        )

    def host_env(self, options: RunOptions) -> dict[str, str]:
        return {k: options.host_env[k] for k in runner_defaults().env.allow if k in options.host_env}

    def launcher(self, options: RunOptions) -> list[str]:
        # `python -m torch.distributed.run` is torchrun's own entry point, pinned to a known interpreter.
        return [options.python, "-m", "torch.distributed.run"]

    def container(
        self, manifest: Manifest, options: RunOptions, data: DataLocation, seed_dir: Path, seed: int
    ) -> ContainerSpec | None:
        return None


class LocalBackend:
    name: ClassVar[BackendName] = "local"
    isolation: ClassVar[str] = ISOLATION_LOCAL

    def __init__(self, clock: Clock = SYSTEM_CLOCK) -> None:
        self._clock = clock
        self.fingerprint = EnvFingerprint(notes=["preflight not run"])

    def preflight(self, spec: RunSpec) -> EnvFingerprint:
        """torch must import in the run's interpreter; GPUs are optional (the CPU example needs none)."""
        python = spec.command[0]
        env = {k: v for k, v in spec.env.items() if not k.startswith("PGOLF_") and k != "PYTHONPATH"}
        try:
            probe = fingerprint.parse_probe(
                proc.run([python, "-c", fingerprint.PROBE], env=env, timeout_s=_PROBE_TIMEOUT_S).output
            )
        except proc.CommandFailed as exc:
            raise EnvironmentMissing(f"cannot run {python}: {exc}; pass --python or install Python 3.11+") from exc
        if "torch_error" in probe or not probe.get("torch"):
            raise EnvironmentMissing(
                f"torch is not importable by {python} ({probe.get('torch_error', 'no torch')}): "
                "install the runner extra (pip install -e '.[runner]') or pass --python"
            )
        notes = self._checks(spec, env)
        smi = None
        try:
            smi = proc.run(fingerprint.NVIDIA_SMI_QUERY, env=env, timeout_s=30).output
        except proc.CommandFailed as exc:
            notes.append(f"nvidia-smi unavailable: {exc}")
        self.fingerprint = fingerprint.build(probe, smi, "local", "local", notes)
        return self.fingerprint

    def _checks(self, spec: RunSpec, env: dict[str, str]) -> list[str]:
        """docker/preflight.py with the run's interpreter: modules, FA3 (or the allowed shim), the
        programs the run calls, GPUs. Raises EnvironmentMissing in seconds with the one-line reason."""
        if spec.preflight is None:
            return []
        if not PREFLIGHT_SCRIPT.is_file():
            return [f"preflight not run: {PREFLIGHT_SCRIPT} is absent (a pgolf source checkout ships it)"]
        shim = [p for p in spec.env.get("PYTHONPATH", "").split(":") if p.rstrip("/").endswith("shim")]
        argv = [spec.command[0], str(PREFLIGHT_SCRIPT), *spec.preflight.args()]
        try:
            output = proc.run(argv, env={**env, "PYTHONPATH": ":".join(shim)}, timeout_s=_PROBE_TIMEOUT_S).output
        except proc.CommandFailed as exc:
            reason = next((ln for ln in exc.output.splitlines() if ln.startswith("preflight failed:")), str(exc))
            raise EnvironmentMissing(f"{reason} (remedy: install what is missing, or run the image)") from exc
        return [f"preflight ok: {shlex.join(spec.preflight.args())}", *_summary(output)]

    def run(self, spec: RunSpec, sink: LineSink = no_sink) -> SeedRecord:
        stage(spec)
        return finalize(spec, self.execute(spec, sink))

    def execute(self, spec: RunSpec, sink: LineSink = no_sink) -> Execution:
        clock = self._clock
        t0_ns, t0_wall, started = clock.monotonic_ns(), clock.utc_now().timestamp(), clock.utc_now()
        deadline = Deadline.after(clock, spec.budget.deadline_s)
        outcome: ProcessOutcome | None = None
        with LineCapture(spec.raw_log, spec.stamped_log, clock, sink) as capture:
            for argv in spec.setup:
                capture.note(f"setup: {shlex.join(argv)}")
                step = supervise(argv, spec, deadline, capture, clock)
                if step.timed_out or step.exit_code != 0:
                    outcome = step.model_copy(update={"setup_failed": True})
                    break
            launch_ns = clock.monotonic_ns() if spec.setup else t0_ns
            if outcome is None:
                capture.note(f"launch: {shlex.join(spec.command)}")
                outcome = supervise(spec.command, spec, deadline, capture, clock)
            exit_ns = clock.monotonic_ns()
        return Execution(
            outcome=outcome,
            lines=capture.lines,
            t0_ns=t0_ns,
            launch_ns=launch_ns,
            exit_ns=exit_ns,
            started=started,
            ended=clock.utc_now(),
            isolation=self.isolation,
            fingerprint=self.fingerprint,
            trace_clock=TraceClock("monotonic", t0_ns, t0_wall),
        )


def _summary(output: str) -> list[str]:
    """One note per preflight check: `name: detail`."""
    import json

    try:
        start = output.index("{")
        checks = json.loads(output[start : output.rindex("}") + 1]).get("checks", [])
    except ValueError:
        return []
    return [f"preflight {c.get('name')}: {c.get('detail')}" for c in checks if isinstance(c, dict)]


def host_python() -> str:
    """The interpreter running pgolf: the default for --python (the venv with the runner extra)."""
    import sys

    return sys.executable or os.environ.get("PYTHON", "python3")
