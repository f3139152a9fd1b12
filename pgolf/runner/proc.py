"""The one place the runner starts processes or signals them (STYLE.md practice 11).

Every command is logged, its executable resolved, and failures raised as one readable error type.
Unit tests patch `spawn` and `run` here and nowhere else.
"""

from __future__ import annotations

import logging
import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

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
