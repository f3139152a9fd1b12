"""The local backend: torchrun on this machine, under our deadline, held by the warden.

Every command starts under pgolf.runner.warden: with a pid namespace where the machine allows one
(nothing can leave it, and it dies with pgolf), else as a subreaper (orphans stay findable); a
process group only where neither exists (not Linux). HOME is a fresh folder of the seed and, in a
mount namespace, the host's credential paths are masked. This is containment, not a sandbox: the
submission still sees the host's network and filesystem. What it reads and connects to is
observed by the audit hook, and the record says which tier ran.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import signal
import subprocess
import tempfile
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Literal, cast

from pgolf.errors import EnvironmentMissing
from pgolf.manifest import Manifest
from pgolf.runner import attempt, fingerprint, proc
from pgolf.runner.capture import LineCapture, LineSink, no_sink
from pgolf.runner.clock import SYSTEM_CLOCK, Clock, Deadline
from pgolf.runner.defaults import runner_defaults
from pgolf.runner.model import (
    Attempt,
    BackendName,
    ContainerSpec,
    DataLocation,
    EnvFingerprint,
    ProcessOutcome,
    RunOptions,
    RunSpec,
    SeedRecord,
    Survivor,
)
from pgolf.runner.placement import ProcessPaths
from pgolf.runner.record import ISOLATION_LOCAL, Execution, finalize, stage
from pgolf.runner.trace import TraceClock

# After SIGKILL, the kernel needs a moment to tear processes down and init to reap them.
_REAP_WAIT_S = 5.0
_READER_JOIN_S = 5.0
_REPORT_WAIT_S = 10.0
_PROBE_TIMEOUT_S = 120.0
_PIP_TIMEOUT_S = 1800.0
PREFLIGHT_SCRIPT = Path(__file__).resolve().parents[2] / "docker" / "preflight.py"

OnStart = Callable[[Attempt], None]


def _ignore_start(_attempt: Attempt) -> None:
    """Nobody records attempts (unit tests, probes)."""


class ProcessGroup:
    """A supervised child: the warden and its command, output read by a thread, and on every exit
    path (normal, deadline, KeyboardInterrupt, error) nothing of the run is left alive."""

    def __init__(
        self,
        argv: list[str],
        cwd: Path,
        env: dict[str, str],
        capture: LineCapture,
        clock: Clock,
        warding: proc.Warding | None = None,
        on_start: OnStart = _ignore_start,
    ) -> None:
        self._argv = argv
        self._cwd = cwd
        self._token = uuid.uuid4().hex
        self._env = {**env, proc.TOKEN_VAR: self._token}
        self._capture = capture
        self._clock = clock
        self._warding = warding
        self._on_start = on_start
        self._popen: subprocess.Popen[bytes] | None = None
        self._report: proc.WardenReport | None = None
        self._reader: threading.Thread | None = None
        self.term_sent = False
        self.kill_sent = False
        self.survivors = False
        self.containment = "process group"
        self.final: dict[str, Any] | None = None
        self.notes: list[str] = []

    def __enter__(self) -> ProcessGroup:
        if self._warding is not None:
            self._popen, self._report = proc.spawn_warded(
                self._argv, cwd=self._cwd, env=self._env, warding=self._warding
            )
        else:
            self._popen = proc.spawn(self._argv, cwd=self._cwd, env=self._env)
        self._reader = threading.Thread(target=self._read, name="pgolf-reader", daemon=True)
        self._reader.start()
        try:
            self._started()
        except BaseException:  # __exit__ will not run: the child must not outlive us
            self._kill()
            self._popen.wait()
            raise
        return self

    def _started(self) -> None:
        started: dict[str, Any] = {}
        if self._report is not None:
            started = self._report.started(_REPORT_WAIT_S) or {}
            self.containment = str(started.get("mode") or "warden (no report)")
        self._on_start(
            Attempt(
                pgolf_pid=os.getpid(),
                warden_pid=self.pgid,
                warden_start_ticks=_start_ticks(self.pgid),
                sid=self.pgid,
                token=self._token,
                containment=self.containment,
                init_pid=_int(started.get("init_pid")),
                pidns=started.get("pidns") if isinstance(started.get("pidns"), str) else None,
                started=self._clock.utc_now(),
            )
        )

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
        if self._report is not None:
            proc.signal_pid(self.pgid, signal.SIGTERM)  # the warden forwards it to every process
        else:
            proc.signal_group(self.pgid, signal.SIGTERM)
            proc.signal_tagged(self._token, signal.SIGTERM)
        self.term_sent = True
        try:
            return self._popen.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            self._kill()
            return self._popen.wait()

    def _kill(self) -> None:
        """The warden kills the whole run and exits; if it cannot (killed itself, hung), we do."""
        assert self._popen is not None
        self.kill_sent = True
        if self._report is not None and proc.signal_pid(self.pgid, signal.SIGUSR2):
            try:
                self._popen.wait(timeout=_REAP_WAIT_S)
                return
            except subprocess.TimeoutExpired:
                self.notes.append(f"the warden did not exit {_REAP_WAIT_S:.0f}s after SIGUSR2: SIGKILL to the group")
        proc.signal_group(self.pgid, signal.SIGKILL)
        proc.signal_tagged(self._token, signal.SIGKILL)
        if self._report is not None:  # in a pid namespace: the warden's death ends the namespace
            proc.signal_pid(self.pgid, signal.SIGKILL)

    def _sweep(self) -> None:
        """After the leader exits: anything still in its group or tagged with its token escaped the
        warden (or there was none), and is killed."""
        if self.kill_sent:  # processes we already SIGKILLed are not survivors: give the kernel its moment
            deadline = Deadline.after(self._clock, _REAP_WAIT_S)
            while (proc.group_alive(self.pgid) or proc.tagged_processes(self._token)) and not deadline.expired:
                self._clock.sleep(0.05)
        if not (proc.group_alive(self.pgid) or proc.tagged_processes(self._token)):
            return
        self.survivors = True
        if self._report is not None:
            self.notes.append("processes of the run outlived the warden")
        proc.signal_group(self.pgid, signal.SIGKILL)
        proc.signal_tagged(self._token, signal.SIGKILL)
        self.kill_sent = self.kill_sent or self._report is None
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
        if self._report is not None:
            self.final = self._report.final(_REPORT_WAIT_S)
            if self.final is None:
                self.notes.append("the warden exited without a report: its processes were swept by group and token")
            elif self.final.get("event") == "error":
                self.notes.append(f"warden error: {self.final.get('error')}")
            else:
                self.notes += [str(n) for n in self.final.get("notes") or []]
        self._sweep()
        if self._reader is not None:
            self._reader.join(timeout=_READER_JOIN_S)
            if self._reader.is_alive():
                self.notes.append("output reader still blocked after exit (a process kept the pipe open)")
        if self._popen.stdout is not None and (self._reader is None or not self._reader.is_alive()):
            self._popen.stdout.close()

    def exit_code(self, leader: int) -> int:
        """The command's own status when the warden reported it, else the leader's."""
        status = (self.final or {}).get("status")
        if isinstance(status, dict):
            if isinstance(status.get("signal"), int):
                return -int(status["signal"])
            if isinstance(status.get("code"), int):
                return int(status["code"])
        if self.final is not None and self.final.get("killed"):
            return -int(signal.SIGKILL)
        return leader

    @property
    def exit_ns(self) -> int | None:
        """When the command exited, on the shared monotonic clock (the warden's settle excluded)."""
        return _int((self.final or {}).get("exit_ns"))

    def described_survivors(self) -> tuple[list[Survivor], int]:
        final = self.final or {}
        described = []
        for item in final.get("survivors") or []:
            if isinstance(item, dict) and isinstance(item.get("pid"), int):
                described.append(
                    Survivor(
                        pid=item["pid"],
                        ppid=_int(item.get("ppid")),
                        pgid=_int(item.get("pgid")),
                        sid=_int(item.get("sid")),
                        cmdline=str(item.get("cmdline") or ""),
                        host_pid=_int(item.get("host_pid")),
                    )
                )
        return described, max(len(described), _int(final.get("survivor_count")) or 0)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _start_ticks(pid: int) -> int | None:
    info = proc.process_info(pid)
    return info.start_ticks if info is not None else None


def _outcome(code: int, group: ProcessGroup, timed_out: bool) -> ProcessOutcome:
    survivors, count = group.described_survivors()
    return ProcessOutcome(
        exit_code=code,
        signal=-code if code < 0 else None,
        timed_out=timed_out,
        term_sent=group.term_sent,
        kill_sent=group.kill_sent,
        group_survivors=group.survivors or count > 0,
        containment=group.containment,
        survivors=survivors,
        survivor_count=count,
        notes=group.notes,
    )


def supervise(
    argv: list[str],
    spec: RunSpec,
    deadline: Deadline,
    capture: LineCapture,
    clock: Clock,
    warding: proc.Warding | None = None,
    on_start: OnStart = _ignore_start,
    env: dict[str, str] | None = None,
) -> tuple[ProcessOutcome, int | None]:
    """Run one command to completion or to the deadline, then make sure its whole tree is gone.
    Returns the outcome and, when the warden reported it, when the command itself exited."""
    with ProcessGroup(argv, spec.work_dir, env or spec.env, capture, clock, warding, on_start) as group:
        code = group.wait(deadline)
        timed_out = code is None
        if code is None:
            capture.note(f"deadline of {spec.budget.deadline_s:.0f}s reached: SIGTERM to the run's processes")
            code = group.stop(spec.budget.term_grace_s)
    return _outcome(group.exit_code(code), group, timed_out), group.exit_ns


def run_env(spec: RunSpec) -> dict[str, str]:
    """The child's environment: the plan's, with HOME (and the XDG folders) inside the seed folder,
    so nothing under the host's home (tokens, caches, configs) is found by default."""
    return {**spec.env, **_home_env(spec.home_dir)}


def _home_env(home: Path) -> dict[str, str]:
    return {
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
    }


def credential_masks(spec: RunSpec, host_home: Path) -> tuple[str, ...]:
    """The credential paths that exist under the host's home, except any the run itself needs."""
    needed = [spec.seed_dir, spec.source_dir, spec.data.dataset_dir, Path(spec.command[0])]
    if spec.data.tokenizer_path is not None:
        needed.append(spec.data.tokenizer_path)
    found = []
    for rel in runner_defaults().warden.mask:
        path = host_home / rel
        if not (path.exists() or path.is_symlink()):
            continue
        if any(_within(n, path) for n in needed):
            continue
        found.append(str(path))
    return tuple(found)


def _within(path: Path, folder: Path) -> bool:
    try:
        path.absolute().relative_to(folder.absolute())
    except ValueError:
        return False
    return True


def isolation_of(containment: str, masked: int) -> str:
    tier = {
        "pidns": "pid namespace",
        "pidns+userns": "pid namespace (user namespace)",
        "subreaper": "subreaper, no namespace",
        "process group": "process group only",
    }.get(containment, containment)
    parts = [f"local: {tier}", "HOME scrubbed"]
    if containment.startswith("pidns"):
        parts.append(f"{masked} credential path(s) masked")
    return ", ".join(parts)


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
            home=str(out / "home"),  # RunSpec.home_dir: nothing under the host's HOME is found by default
            hook=str(options.hook_dir),
            shim=None if options.shim_dir is None else str(options.shim_dir),
            site=str(seed_dir.parent / "site"),  # run-level: installed once, shared by the seeds
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

    def __init__(self, clock: Clock = SYSTEM_CLOCK, warding: proc.Warding | Literal["auto"] | None = "auto") -> None:
        """`warding`: "auto" (the warden where the OS has one, credential masks from the host's home),
        a fixed Warding, or None for a process group only."""
        self._clock = clock
        self._warding = warding
        self.fingerprint = EnvFingerprint(notes=["preflight not run"])

    def warding(self, spec: RunSpec) -> proc.Warding | None:
        if self._warding != "auto":
            return self._warding
        if not proc.warden_supported():
            return None
        d = runner_defaults().warden
        return proc.Warding(mode=d.mode, settle_s=d.settle_seconds, masks=credential_masks(spec, Path.home()))

    def preflight(self, spec: RunSpec) -> EnvFingerprint:
        """torch must import in the run's interpreter; GPUs are optional (the CPU example needs none).
        The probes get a throwaway HOME: the seed's own (inside its folder) would be created by CUDA's
        ~/.nv cache, and a seed folder that exists before the seed starts reads as an interrupted attempt."""
        with tempfile.TemporaryDirectory(prefix="pgolf-preflight-home-") as home:
            return self._preflight(spec, Path(home))

    def _preflight(self, spec: RunSpec, home: Path) -> EnvFingerprint:
        python = spec.command[0]
        env = {k: v for k, v in spec.env.items() if not k.startswith("PGOLF_") and k != "PYTHONPATH"}
        env.update(_home_env(home))
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
        notes = [*self._extras(spec, env), *self._checks(spec, env)]
        smi = None
        try:
            smi = proc.run(fingerprint.NVIDIA_SMI_QUERY, env=env, timeout_s=30).output
        except proc.CommandFailed as exc:
            notes.append(f"nvidia-smi unavailable: {exc}")
        self.fingerprint = fingerprint.build(probe, smi, "local", "local", notes)
        return self.fingerprint

    def _extras(self, spec: RunSpec, env: dict[str, str]) -> list[str]:
        """extra_apt must be installed already (the local backend installs no system packages);
        extra_pip is installed once per run into the run's `site` folder, which is on PYTHONPATH."""
        notes: list[str] = []
        missing = [pkg for pkg in spec.extra_apt if not _apt_installed(pkg, env)]
        if missing:
            raise EnvironmentMissing(
                f"apt package(s) {', '.join(missing)} not installed: apt-get install {' '.join(missing)} "
                "(or run the image with --backend docker)"
            )
        if spec.extra_apt:
            notes.append(f"extra_apt present: {', '.join(spec.extra_apt)}")
        if not spec.extra_pip or spec.site_dir is None:
            return notes
        marker = spec.site_dir / ".pgolf-extra-pip.json"
        wanted = json.dumps(sorted(spec.extra_pip))
        if marker.is_file() and marker.read_text("utf-8") == wanted:
            return [*notes, f"extra_pip already installed in {spec.site_dir}: {', '.join(spec.extra_pip)}"]
        spec.site_dir.mkdir(parents=True, exist_ok=True)
        argv = [spec.command[0], "-m", "pip", "install", "--no-input", "--target", str(spec.site_dir), *spec.extra_pip]
        try:
            proc.run(argv, env=env, timeout_s=_PIP_TIMEOUT_S)
        except proc.CommandFailed as exc:
            raise EnvironmentMissing(f"installing extra_pip failed: {exc}") from exc
        marker.write_text(wanted, "utf-8")
        return [*notes, f"extra_pip installed in {spec.site_dir}: {', '.join(spec.extra_pip)}"]

    def _checks(self, spec: RunSpec, env: dict[str, str]) -> list[str]:
        """docker/preflight.py with the run's interpreter: modules, FA3 (or the allowed shim), the
        programs the run calls, GPUs. Raises EnvironmentMissing in seconds with the one-line reason."""
        if spec.preflight is None:
            return []
        if not PREFLIGHT_SCRIPT.is_file():
            return [f"preflight not run: {PREFLIGHT_SCRIPT} is absent (a pgolf source checkout ships it)"]
        keep = [str(spec.site_dir)] if spec.site_dir is not None else []
        shim = [p for p in spec.env.get("PYTHONPATH", "").split(":") if p.rstrip("/").endswith("shim") or p in keep]
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
        warding, env = self.warding(spec), run_env(spec)

        footprint_notes: list[str] = []

        def on_start(footprint: Attempt) -> None:
            try:
                attempt.record(spec.seed_dir, footprint)
            except OSError as exc:  # a full disk must not stop the run; only a later reap loses its map
                footprint_notes.append(f"could not write {attempt.ATTEMPT_FILE}: {exc.strerror}")

        outcome: ProcessOutcome | None = None
        command_exit_ns: int | None = None
        with LineCapture(spec.raw_log, spec.stamped_log, clock, sink) as capture:
            for argv in spec.setup:
                capture.note(f"setup: {shlex.join(argv)}")
                step, _ = supervise(argv, spec, deadline, capture, clock, warding, on_start, env)
                if step.timed_out or step.exit_code != 0:
                    outcome = step.model_copy(update={"setup_failed": True})
                    break
            launch_ns = clock.monotonic_ns() if spec.setup else t0_ns
            if outcome is None:
                capture.note(f"launch: {shlex.join(spec.command)}")
                outcome, command_exit_ns = supervise(
                    spec.command, spec, deadline, capture, clock, warding, on_start, env
                )
            exit_ns = (
                command_exit_ns
                if command_exit_ns is not None and command_exit_ns >= launch_ns
                else clock.monotonic_ns()
            )
        attempt.clear(spec.seed_dir)
        outcome = outcome.model_copy(
            update={"disk_full": capture.disk_full, "notes": [*outcome.notes, *capture.notes(), *footprint_notes]}
        )
        masked = sum(1 for note in outcome.notes if note.startswith("masked "))
        return Execution(
            outcome=outcome,
            lines=capture.lines,
            t0_ns=t0_ns,
            launch_ns=launch_ns,
            exit_ns=exit_ns,
            started=started,
            ended=clock.utc_now(),
            isolation=isolation_of(outcome.containment or "process group", masked),
            fingerprint=self.fingerprint,
            trace_clock=TraceClock("monotonic", t0_ns, t0_wall),
        )


def _apt_installed(package: str, env: dict[str, str]) -> bool:
    try:
        out = proc.run(["dpkg-query", "-W", "-f=${Status}", package], env=env, timeout_s=30).output
    except (proc.CommandFailed, EnvironmentMissing):
        return False
    return "install ok installed" in out


def _summary(output: str) -> list[str]:
    """One note per preflight check: `name: detail`."""
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
