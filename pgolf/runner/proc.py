"""The one place the runner starts processes or signals them (STYLE.md practice 11).

Every command is logged, its executable resolved, and failures raised as one readable error type.
Unit tests patch `spawn`, `spawn_warded` and `run` here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pgolf.errors import EnvironmentMissing

log = logging.getLogger("pgolf.runner.proc")


class CommandFailed(Exception):
    """A short helper command (probe, nvidia-smi) failed; `output` holds what it printed."""

    def __init__(self, argv: Sequence[str], returncode: int | None, output: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.output = output
        super().__init__(f"{shlex.join(self.argv)} exited {returncode}: {output.strip()[-500:]}")


@dataclass(frozen=True)
class Completed:
    argv: list[str]
    returncode: int
    output: str


def which(name: str, remedy: str) -> str:
    """Resolve an executable or raise EnvironmentMissing with what to do about it."""
    found = shutil.which(name)
    if found is None:
        raise EnvironmentMissing(f"{name} not found on PATH: {remedy}")
    return found


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 60.0,
) -> Completed:
    """Run a short command to completion (probes); stdout and stderr together. Raises CommandFailed."""
    log.info("run: %s", shlex.join(argv))
    try:
        done = subprocess.run(  # argv lists only, never a shell
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout_s,
            check=False,
        )
    except FileNotFoundError as exc:
        raise CommandFailed(argv, None, str(exc)) from exc
    except subprocess.TimeoutExpired as exc:
        out = exc.output.decode("utf-8", "replace") if isinstance(exc.output, bytes) else ""
        raise CommandFailed(argv, None, f"timed out after {timeout_s:.0f}s\n{out}") from exc
    output = done.stdout.decode("utf-8", "replace")
    if done.returncode != 0:
        raise CommandFailed(argv, done.returncode, output)
    return Completed(list(argv), done.returncode, output)


def spawn(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start a supervised child in its own session, so the whole tree can be signalled as one group.

    stdout and stderr share one pipe: interleaving is kept in arrival order, which the phase
    timestamps rely on.
    """
    log.info("spawn (cwd=%s): %s", cwd, shlex.join(argv))
    try:
        return subprocess.Popen(  # argv lists only, never a shell
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise EnvironmentMissing(f"cannot start {argv[0]}: {exc}") from exc


WARDEN = Path(__file__).with_name("warden.py")
WardenMode = str  # "auto" | "pidns" | "subreaper"


def warden_supported() -> bool:
    """The warden needs Linux's prctl and /proc; elsewhere commands run in a process group only."""
    return sys.platform.startswith("linux") and _PROC.is_dir()


@dataclass(frozen=True)
class Warding:
    """How the warden holds a command's processes (pgolf.runner.warden)."""

    mode: WardenMode = "auto"
    settle_s: float = 6.0
    masks: tuple[str, ...] = ()


class WardenReport:
    """The warden's JSON lines, read on a thread: a `started` event, then an `exit` (or `error`)."""

    def __init__(self, fd: int) -> None:
        self.events: list[dict[str, Any]] = []
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(fd,), name="pgolf-warden-report", daemon=True)
        self._thread.start()

    def _read(self, fd: int) -> None:
        with os.fdopen(fd, "rb") as stream:
            for raw in stream:
                try:
                    event = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(event, dict):
                    self.events.append(event)
                    if event.get("event") == "started":
                        self._started.set()
        self._started.set()  # EOF: nothing more will come

    def started(self, timeout_s: float) -> dict[str, Any] | None:
        self._started.wait(timeout_s)
        return next((e for e in self.events if e.get("event") == "started"), None)

    def final(self, timeout_s: float) -> dict[str, Any] | None:
        """The exit report, once the warden (and everything holding the pipe) is gone."""
        self._thread.join(timeout_s)
        return next((e for e in reversed(self.events) if e.get("event") in ("exit", "error")), None)


def resolve(argv0: str, env: Mapping[str, str]) -> str:
    """argv[0] as the child's PATH finds it, or EnvironmentMissing (the warden could only exit 127)."""
    if "/" in argv0:
        return argv0
    found = shutil.which(argv0, path=env.get("PATH", os.defpath))
    if found is None:
        raise EnvironmentMissing(f"cannot start {argv0}: not found on the run's PATH")
    return found


def spawn_warded(
    argv: Sequence[str], *, cwd: Path, env: Mapping[str, str], warding: Warding
) -> tuple[subprocess.Popen[bytes], WardenReport]:
    """Start a command under the warden, in its own session; stdout and stderr share one pipe.

    The warden runs with -I -S: the submission's PYTHONPATH (the audit hook, its own modules) never
    reaches it. Must be called from a thread that outlives the command: the parent-death signal
    fires when the spawning thread ends.
    """
    read_fd, write_fd = os.pipe()
    command = [
        sys.executable,
        "-I",
        "-S",
        str(WARDEN),
        "--report-fd",
        str(write_fd),
        "--parent",
        str(os.getpid()),
        "--mode",
        warding.mode,
        "--settle",
        str(warding.settle_s),
        *(arg for path in warding.masks for arg in ("--mask", path)),
        "--",
        resolve(argv[0], env),
        *argv[1:],
    ]
    log.info("spawn (cwd=%s, warden %s): %s", cwd, warding.mode, shlex.join(argv))
    try:
        popen = subprocess.Popen(  # argv lists only, never a shell
            command,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            pass_fds=(write_fd,),
        )
    except OSError as exc:
        os.close(read_fd)
        raise EnvironmentMissing(f"cannot start the warden for {argv[0]}: {exc}") from exc
    finally:
        os.close(write_fd)
    return popen, WardenReport(read_fd)


def signal_pid(pid: int, sig: signal.Signals) -> bool:
    """Signal one process; False when it is gone."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    log.info("sent %s to pid %d", sig.name, pid)
    return True


def signal_group(pgid: int, sig: signal.Signals) -> bool:
    """Signal a process group; False when no process of the group is left."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    log.info("sent %s to process group %d", sig.name, pgid)
    return True


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still exists (signal 0 probes without signalling)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists but is not ours: still alive
        return True
    return True


TOKEN_VAR = "PGOLF_RUN_TOKEN"
_PROC = Path("/proc")


def tagged_processes(token: str) -> list[int]:
    """Live processes whose inherited environment carries our run token.

    torchrun starts every rank in a session of its own (start_new_session=True in
    torch.distributed.elastic's SubprocessHandler), so signalling torchrun's group misses the ranks,
    and once torchrun dies they are re-parented away from us. The environment they inherited is the
    one tag that survives both. Linux only: elsewhere this finds nothing and the group check remains.
    """
    needle = f"{TOKEN_VAR}={token}".encode()
    found: list[int] = []
    if not _PROC.is_dir():
        return found
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()  # empty for zombies: they are dead already
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return sorted(found)


def signal_tagged(token: str, sig: signal.Signals) -> list[int]:
    """Signal the group of every tagged process (a rank's DataLoader workers share its group)."""
    pids = tagged_processes(token)
    for pid in pids:
        try:
            os.killpg(os.getpgid(pid), sig)
        except (ProcessLookupError, PermissionError):
            try:
                os.kill(pid, sig)
            except (ProcessLookupError, PermissionError):
                continue
    if pids:
        log.info("sent %s to %d tagged process(es)", sig.name, len(pids))
    return pids


# ------------------------------------------------------------------ what an interrupted attempt left


@dataclass(frozen=True)
class ProcessInfo:
    pid: int
    ppid: int
    pgid: int
    sid: int
    start_ticks: int  # clock ticks after boot: with the pid, it names one process (pids are reused)
    cmdline: str = ""


def process_info(pid: int) -> ProcessInfo | None:
    """A live process's facts from /proc, or None (gone, a zombie, or not Linux)."""
    try:
        raw = (_PROC / str(pid) / "stat").read_bytes().decode("utf-8", "replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()  # the command name may hold spaces and parentheses
    try:
        if fields[0] in ("Z", "X"):
            return None
        ppid, pgid, sid, start = int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])
    except (IndexError, ValueError):
        return None
    try:
        argv = (_PROC / str(pid) / "cmdline").read_bytes()[:600].split(b"\0")
        cmdline = " ".join(a.decode("utf-8", "replace") for a in argv if a)[:300]
    except OSError:
        cmdline = ""
    return ProcessInfo(pid, ppid, pgid, sid, start, cmdline)


@dataclass
class Leftovers:
    """How to recognise an earlier attempt's processes (pgolf.runner.attempt writes these facts)."""

    warden_pid: int | None = None
    warden_start_ticks: int | None = None
    sid: int | None = None
    token: str | None = None
    pidns: str | None = None  # "pid:[inode]": unique while the namespace lives
    found: list[ProcessInfo] = field(default_factory=list)

    def matches(self, info: ProcessInfo, descendants: set[int]) -> bool:
        if self.pidns is not None and pidns_of(info.pid) == self.pidns:
            return True
        after_warden = self.warden_start_ticks is None or info.start_ticks >= self.warden_start_ticks
        if self.sid is not None and info.sid == self.sid and after_warden:
            return True
        return info.pid in descendants


def pidns_of(pid: int) -> str | None:
    try:
        return str((_PROC / str(pid) / "ns" / "pid").readlink())
    except OSError:
        return None


def _descendants(root: int, infos: dict[int, ProcessInfo]) -> set[int]:
    children: dict[int, list[int]] = {}
    for info in infos.values():
        children.setdefault(info.ppid, []).append(info.pid)
    found, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def reap_leftovers(leftovers: Leftovers, passes: int = 20) -> list[ProcessInfo]:
    """SIGKILL every live process of an earlier attempt: members of its pid namespace, of its
    session (started after its warden, so a reused pid is never hit), its warden's descendants
    (when that warden still lives), and anything carrying its run token. Returns what was found."""
    if not _PROC.is_dir():
        return []
    seen: dict[int, ProcessInfo] = {}
    for _ in range(passes):
        infos = {info.pid: info for pid in _pids() if (info := process_info(pid)) is not None}
        descendants: set[int] = set()
        warden = infos.get(leftovers.warden_pid) if leftovers.warden_pid is not None else None
        if warden is not None and warden.start_ticks == leftovers.warden_start_ticks:
            descendants = _descendants(warden.pid, infos)
        victims = [i for i in infos.values() if i.pid != os.getpid() and leftovers.matches(i, descendants)]
        if leftovers.token is not None:
            tagged = set(tagged_processes(leftovers.token))
            victims += [infos[p] for p in tagged if p in infos and infos[p] not in victims]
        if not victims:
            break
        for info in victims:
            seen.setdefault(info.pid, info)
            try:
                os.kill(info.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                continue
        time.sleep(0.05)
    leftovers.found = sorted(seen.values(), key=lambda i: i.pid)
    if leftovers.found:
        log.info("killed %d process(es) left by an earlier attempt", len(leftovers.found))
    return leftovers.found


def _pids() -> list[int]:
    try:
        return [int(entry.name) for entry in _PROC.iterdir() if entry.name.isdigit()]
    except OSError:
        return []
