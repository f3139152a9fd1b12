"""The warden: the first process of every command the local backend supervises.

    python -I -S warden.py --report-fd N --parent PID [--mode auto|pidns|subreaper]
                           [--settle S] [--mask PATH ...] -- ARGV...

Why it exists: torchrun starts every rank in a session of its own, a daemon can setsid, fork twice
and re-exec itself with an empty environment, and pgolf itself can be killed with SIGKILL. A
process group, an environment token and pgolf's own cleanup each miss one of those. The warden
makes the kernel do the work:

  * PR_SET_PDEATHSIG: when pgolf dies, even by SIGKILL, the kernel signals the warden, and the
    warden kills the run.
  * pid namespace ("pidns", as root, or in an unprivileged user namespace where the host allows
    one): the command runs under an init of its own. Nothing leaves a pid namespace (setsid and
    double forks stay inside), and when its init dies the kernel kills every process in it. A
    private mount namespace comes with it: its own /proc, and credential paths masked (--mask).
  * otherwise PR_SET_CHILD_SUBREAPER ("subreaper"): orphans are re-parented to the warden instead
    of to init, so every process the run started stays a descendant the warden can find.

When the command exits, whatever of the run is still alive after --settle seconds is a survivor:
described (pid, session, command line), killed, and reported. The warden never decides whether
that is acceptable; pgolf does.

Protocol with pgolf:
  SIGTERM   forward SIGTERM to every process of the run (the graceful stop at the deadline)
  SIGUSR2   SIGKILL every process of the run, then exit (also the parent-death signal)
  report fd one JSON object per line: {"event": "started", ...} then {"event": "exit", ...}

Stdlib only and no pgolf import: it runs with -I -S, outside the submission's PYTHONPATH (the audit
hook must not trace the warden itself). Linux only; pgolf does not start it elsewhere.
"""

# os.path, not pathlib: a tiny stdlib-only script, kept like the audit hook.
# ruff: noqa: PTH112, PTH113, PTH114, PTH115, PTH123, PTH208

from __future__ import annotations

import argparse
import contextlib
import ctypes
import errno
import json
import os
import select
import signal
import sys
import time
from typing import Any

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

KILL_PASSES = 200  # a fork bomb re-parents to us as fast as we kill; each pass kills what it finds
POLL_S = 0.05
MAX_SURVIVORS = 50  # described individually; the count is always exact
CMDLINE_CHARS = 300
EXIT_REPORTED = 0  # the inner init's exit code once it has written the exit report itself

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, value, 0, 0, 0), f"prctl({option})")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def _c(text: str | None) -> bytes | None:
    return None if text is None else text.encode()


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(_libc.mount(_c(source), _c(target), _c(fstype), flags, _c(data)), f"mount {target}")


class Report:
    """JSON lines to pgolf; writing never fails the run (pgolf treats a missing report as lost)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_inheritable(fd, False)  # the command must never get it

    def send(self, **event: Any) -> None:
        data = (json.dumps(event) + "\n").encode()
        try:
            while data:
                data = data[os.write(self.fd, data) :]
        except OSError:
            pass


# ------------------------------------------------------------------------------------ processes


def _stat(pid: int) -> tuple[str, int, int, int, int] | None:
    """(state, ppid, pgid, sid, start time in clock ticks) from /proc/<pid>/stat, or None if gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read().decode("utf-8", "replace")
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2 :].split()  # the command name may hold spaces and parentheses
    try:
        return fields[0], int(fields[1]), int(fields[2]), int(fields[3]), int(fields[19])
    except (IndexError, ValueError):
        return None


def _pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


def describe(pid: int) -> dict[str, Any]:
    info: dict[str, Any] = {"pid": pid}
    stat = _stat(pid)
    if stat is not None:
        info.update(ppid=stat[1], pgid=stat[2], sid=stat[3])
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            argv = handle.read(4 * CMDLINE_CHARS).split(b"\0")
        info["cmdline"] = " ".join(a.decode("utf-8", "replace") for a in argv if a)[:CMDLINE_CHARS]
    except OSError:
        info["cmdline"] = ""
    if not info["cmdline"]:
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
                info["cmdline"] = f"[{handle.read().strip()}]"
        except OSError:
            pass
    return info


def reap() -> list[tuple[int, int]]:
    """Collect every child that has exited (ours and re-parented orphans) without blocking."""
    done: list[tuple[int, int]] = []
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return done
        if pid == 0:
            return done
        done.append((pid, status))


def status_of(status: int) -> dict[str, int]:
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"code": os.WEXITSTATUS(status)}


class Scope:
    """The processes that belong to the run, as seen from where the warden stands."""

    def members(self) -> list[int]:
        raise NotImplementedError

    def describe(self, pid: int) -> dict[str, Any]:
        return describe(pid)

    def signal_all(self, sig: int) -> None:
        for pid in self.members():
            try:
                os.kill(pid, sig)
            except OSError:
                continue

    def kill_all(self) -> int:
        """SIGKILL until nothing is left; the number of passes it took."""
        for passes in range(1, KILL_PASSES + 1):
            reap()
            members = self.members()
            if not members:
                return passes
            for pid in members:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    continue
            time.sleep(0.01 if passes < 10 else POLL_S)
        return KILL_PASSES


class Descendants(Scope):
    """Subreaper mode: everything below the warden in the parent tree (orphans come back to us)."""

    def members(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for pid in _pids():
            stat = _stat(pid)
            if stat is not None and stat[0] not in ("Z", "X"):
                children.setdefault(stat[1], []).append(pid)
        found, todo = [], [os.getpid()]
        while todo:
            for child in children.get(todo.pop(), []):
                found.append(child)
                todo.append(child)
        return sorted(found)


class Namespace(Scope):
    """Pid-namespace mode, seen from its init: every live process in /proc but ourselves."""

    def members(self) -> list[int]:
        me = os.getpid()
        alive = []
        for pid in _pids():
            if pid == me:
                continue
            stat = _stat(pid)
            if stat is not None and stat[0] not in ("Z", "X"):
                alive.append(pid)
        return sorted(alive)


class NamespaceViaHostProc(Namespace):
    """Pid-namespace mode when our own /proc could not be mounted: the host's /proc, filtered by
    namespace, with each process's pid as the namespace numbers it (the last NSpid field)."""

    def __init__(self) -> None:
        self.pidns = os.readlink("/proc/self/ns/pid")
        self.host_pid = int(os.readlink("/proc/self"))
        self.host_pids: dict[int, int] = {}  # namespace pid -> host pid, from the last scan

    def describe(self, pid: int) -> dict[str, Any]:
        host = self.host_pids.get(pid)
        info = describe(host) if host is not None else {"cmdline": ""}
        return {**info, "pid": pid, "host_pid": host}

    def members(self) -> list[int]:
        alive = []
        for pid in _pids():
            if pid == self.host_pid:
                continue
            try:
                if os.readlink(f"/proc/{pid}/ns/pid") != self.pidns:
                    continue
                with open(f"/proc/{pid}/status", encoding="utf-8", errors="replace") as handle:
                    status = handle.read()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("State", "").strip()[:1] in ("Z", "X", ""):
                continue
            try:
                ns_pid = int(fields["NSpid"].split()[-1])
            except (KeyError, ValueError, IndexError):
                continue
            self.host_pids[ns_pid] = pid
            alive.append(ns_pid)
        return sorted(alive)

    def signal_all(self, sig: int) -> None:
        with contextlib.suppress(OSError):
            os.kill(-1, sig)  # inside a pid namespace: every process in it but its init


# ------------------------------------------------------------------------------------ supervision


class Supervisor:
    """Runs the command as a child, forwards pgolf's signals, then settles, describes and kills."""

    def __init__(self, scope: Scope, report: Report, settle_s: float, mode: str, notes: list[str]) -> None:
        self.scope = scope
        self.report = report
        self.settle_s = settle_s
        self.mode = mode
        self.notes = notes
        self.killing = False
        self.term_forwarded = False

    def on_term(self, _sig: int, _frame: object) -> None:
        self.term_forwarded = True
        self.scope.signal_all(signal.SIGTERM)

    def on_kill(self, _sig: int, _frame: object) -> None:
        self.killing = True
        self.scope.signal_all(signal.SIGKILL)

    def run(self, argv: list[str]) -> None:
        signal.signal(signal.SIGTERM, self.on_term)
        signal.signal(signal.SIGUSR2, self.on_kill)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches pgolf, which decides
        command = spawn_command(argv)
        status = wait_for(command)
        exit_ns = time.monotonic_ns()
        survivors: list[dict[str, Any]] = []
        if not self.killing:
            left = self.settle()
            survivors = [self.scope.describe(pid) for pid in left[:MAX_SURVIVORS]]
            survivor_count = len(left)
        else:
            survivor_count = 0
        passes = self.scope.kill_all()
        if passes > 1:
            self.notes.append(f"killed the run's remaining processes in {passes} pass(es)")
        self.report.send(
            event="exit",
            mode=self.mode,
            status=status_of(status),
            exit_ns=exit_ns,
            killed=self.killing,
            term_forwarded=self.term_forwarded,
            survivors=survivors,
            survivor_count=survivor_count,
            notes=self.notes,
        )

    def settle(self) -> list[int]:
        """Give processes that are already on their way out (compile workers reading EOF, loader
        workers polling their parent) a moment; what is left after that outlived the command."""
        deadline = time.monotonic() + self.settle_s
        while True:
            reap()
            left = self.scope.members()
            if not left or time.monotonic() >= deadline or self.killing:
                return left
            time.sleep(POLL_S)


def spawn_command(argv: list[str]) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            for sig in (signal.SIGTERM, signal.SIGUSR2, signal.SIGINT):
                signal.signal(sig, signal.SIG_DFL)
            prctl(PR_SET_PDEATHSIG, 0)
            os.execvp(argv[0], argv)
        except BaseException as exc:  # the child must never return into the warden
            os.write(2, f"[pgolf warden] cannot execute {argv[0]}: {exc}\n".encode())
        os._exit(127)
    return pid


def wait_for(command: int) -> int:
    """Block until the command exits, reaping every other child that exits meanwhile."""
    while True:
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:  # cannot happen while the command lives; be safe
            return 127 << 8
        if pid == command:
            return status


# ------------------------------------------------------------------------------------ modes


def _parent_alive(expected: int) -> bool:
    return os.getppid() == expected


def run_subreaper(argv: list[str], report: Report, settle_s: float, notes: list[str]) -> None:
    prctl(PR_SET_CHILD_SUBREAPER, 1)
    report.send(event="started", mode="subreaper", pid=os.getpid(), sid=os.getsid(0), pgid=os.getpgid(0))
    Supervisor(Descendants(), report, settle_s, "subreaper", notes).run(argv)


def _map_identity(uid: int, gid: int) -> None:
    """In a fresh user namespace: be the same uid/gid inside as outside."""
    with open("/proc/self/setgroups", "w") as handle:
        handle.write("deny")
    with open("/proc/self/uid_map", "w") as handle:
        handle.write(f"{uid} {uid} 1")
    with open("/proc/self/gid_map", "w") as handle:
        handle.write(f"{gid} {gid} 1")


def enter_pid_namespace() -> str:
    """unshare a pid namespace for our next child; returns how (raises OSError when impossible)."""
    if os.geteuid() == 0:
        unshare(CLONE_NEWPID)
        return "pidns"
    uid, gid = os.geteuid(), os.getegid()
    unshare(CLONE_NEWUSER | CLONE_NEWPID)
    _map_identity(uid, gid)
    return "pidns+userns"


def _mask(paths: list[str], notes: list[str]) -> None:
    """Hide credential paths from the run: an empty read-only tmpfs over a folder, /dev/null over a file."""
    for path in paths:
        try:
            if os.path.isdir(path) and not os.path.islink(path):
                mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,mode=0555")
            elif os.path.isfile(path) and not os.path.islink(path):
                mount("/dev/null", path, None, MS_BIND)
            else:
                continue
            notes.append(f"masked {path}")
        except OSError as exc:
            notes.append(f"could not mask {path}: {exc.strerror}")


def init_main(argv: list[str], report: Report, settle_s: float, mode: str, masks: list[str], alive_r: int) -> None:
    """PID 1 of the run's namespace (never returns)."""
    notes: list[str] = []
    try:
        prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the warden outside died: the namespace goes with it
        ready, _, _ = select.select([alive_r], [], [], 0)
        if ready and os.read(alive_r, 1) == b"":
            os._exit(1)
        os.close(alive_r)
        unshare(CLONE_NEWNS)
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        scope: Namespace
        try:
            mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            scope = Namespace()
        except OSError as exc:
            notes.append(f"own /proc not mounted ({exc.strerror}): the run sees the host's process list")
            scope = NamespaceViaHostProc()
        _mask(masks, notes)
        Supervisor(scope, report, settle_s, mode, notes).run(argv)
    except BaseException as exc:  # PID 1 must report, then end the namespace
        report.send(event="error", error=f"{type(exc).__name__}: {exc}")
        os._exit(3)
    os._exit(EXIT_REPORTED)


def run_pidns(argv: list[str], report: Report, settle_s: float, masks: list[str], how: str) -> None:
    alive_r, alive_w = os.pipe()  # the init watches it: EOF means we are gone
    init = os.fork()
    if init == 0:
        os.close(alive_w)
        init_main(argv, report, settle_s, how, masks, alive_r)
    os.close(alive_r)
    try:
        pidns = os.readlink(f"/proc/{init}/ns/pid")
    except OSError:
        pidns = None
    report.send(event="started", mode=how, pid=os.getpid(), sid=os.getsid(0), init_pid=init, pidns=pidns)

    def forward(sig: int, _frame: object) -> None:
        # SIGKILL to the init ends the whole namespace; SIGTERM is forwarded inside by it
        with contextlib.suppress(OSError):
            os.kill(init, signal.SIGKILL if sig == signal.SIGUSR2 else sig)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGUSR2, forward)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            pid, status = os.waitpid(init, 0)
        except ChildProcessError:
            status = signal.SIGKILL
            break
        if pid == init:
            break
    if not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == EXIT_REPORTED):
        # the namespace was killed (SIGUSR2, or the init failed): no survivor can remain in it
        report.send(event="exit", mode=how, status=None, killed=True, survivors=[], survivor_count=0, notes=[])


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="warden")
    parser.add_argument("--report-fd", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--mode", choices=("auto", "pidns", "subreaper"), default="auto")
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--mask", action="append", default=[])
    parser.add_argument("argv", nargs=argparse.REMAINDER)
    opts = parser.parse_args(args)
    argv = opts.argv[1:] if opts.argv[:1] == ["--"] else opts.argv
    report = Report(opts.report_fd)
    # Dying with pgolf first: if pgolf is already gone, there is nobody to run for.
    prctl(PR_SET_PDEATHSIG, signal.SIGUSR2)
    signal.signal(signal.SIGUSR2, lambda *_: os._exit(137))  # until a supervisor takes over
    if not _parent_alive(opts.parent):
        return 137
    if not argv:
        report.send(event="error", error="no command")
        return 2
    notes: list[str] = []
    if opts.mode != "subreaper":
        try:
            how = enter_pid_namespace()
        except OSError as exc:
            if opts.mode == "pidns":
                report.send(event="error", error=f"no pid namespace: {exc}")
                return 3
            notes.append(f"no pid namespace ({exc.strerror or exc}): subreaper mode")
        else:
            run_pidns(argv, report, opts.settle, opts.mask, how)
            return 0
    if opts.mask:
        notes.append(f"{len(opts.mask)} credential path(s) not masked: masking needs a mount namespace")
    run_subreaper(argv, report, opts.settle, notes)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            sys.exit(141)
        raise
