"""pgolf's data-access audit hook, loaded into every Python process of a run through PYTHONPATH.

It records, per process, a JSON line for:
  * every `open` of a file under PGOLF_TRACE_PREFIXES (the dataset directory), and
  * every `socket.connect` and `socket.getaddrinfo`,
with time.monotonic_ns() and UTC epoch seconds, into PGOLF_TRACE_DIR/trace-<pid>.jsonl. The runner
lines these up with its phase anchors: a training shard opened after the training stop line, or a
connection to anything but loopback, becomes evidence in the seed record.

Cost matters: torch's import alone raises tens of thousands of audit events. So the hook compares
the event name first, filters paths by prefix with str.startswith, never resolves absolute paths,
writes line-buffered (no fsync), and holds no lock. This is evidence, not enforcement: code can
call C `open(2)` directly; the Docker backend's `network none` is the enforcement.

Stdlib only, and no pgolf import: it runs inside the submission's interpreter, possibly in an image.
"""

# os.path, not pathlib: this runs in every process of a run, before the script; pathlib's import
# and object overhead would be paid on every audited open.
# ruff: noqa: PTH100, PTH112, PTH113, PTH118, PTH120, PTH123

from __future__ import annotations

import json
import os
import sys
import time
from typing import IO, Any

_DIR = os.environ.get("PGOLF_TRACE_DIR", "")
_PREFIXES = tuple(p for p in os.environ.get("PGOLF_TRACE_PREFIXES", "").split(os.pathsep) if p)
_SOCKET_EVENTS = frozenset({"socket.connect", "socket.getaddrinfo"})
_RANK = os.environ.get("RANK") or os.environ.get("LOCAL_RANK")


class _Writer:
    """One JSONL file per process; reopened after a fork so children never share a handle."""

    def __init__(self) -> None:
        self.pid = -1
        self.handle: IO[str] | None = None
        self.busy = False  # the hook's own open() raises an `open` event: never recurse

    def write(self, record: dict[str, Any]) -> None:
        if self.busy:
            return
        self.busy = True
        try:
            pid = os.getpid()
            if self.handle is None or self.pid != pid:
                self.pid = pid
                self.handle = open(  # noqa: SIM115 - lives as long as the process
                    os.path.join(_DIR, f"trace-{pid}.jsonl"), "a", buffering=1, encoding="utf-8"
                )
            record["pid"] = pid
            record["rank"] = _RANK
            self.handle.write(json.dumps(record, default=str) + "\n")
        except OSError:
            pass  # the run must never fail because its audit log could not be written
        finally:
            self.busy = False


_WRITER = _Writer()


def _path_of(arg: object) -> str | None:
    if isinstance(arg, str):
        return arg
    if isinstance(arg, bytes):
        return arg.decode("utf-8", "replace")
    if isinstance(arg, os.PathLike):
        value = os.fspath(arg)
        return value if isinstance(value, str) else value.decode("utf-8", "replace")
    return None  # a file descriptor: nothing to attribute


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        path = _path_of(args[0]) if args else None
        if path is not None and path.startswith(_PREFIXES):
            mode = args[1] if len(args) > 1 else None
            _WRITER.write(
                {"event": "open", "path": path, "mode": mode, "t_ns": time.monotonic_ns(), "wall": time.time()}
            )
    elif event in _SOCKET_EVENTS:
        address = args[1] if event == "socket.connect" and len(args) > 1 else args[0] if args else None
        _WRITER.write({"event": event, "address": repr(address), "t_ns": time.monotonic_ns(), "wall": time.time()})


def _chain_shadowed_sitecustomize() -> None:
    """Run the sitecustomize this file shadows (Debian and many images ship one)."""
    import importlib.util

    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        if not entry or os.path.abspath(entry) == here:
            continue
        candidate = os.path.join(entry, "sitecustomize.py")
        if os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_pgolf_shadowed_sitecustomize", candidate)
            if spec is not None and spec.loader is not None:
                module = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(module)
            return


def _install() -> None:
    if not _DIR or not os.path.isdir(_DIR):
        return
    if os.environ.get("PGOLF_TRACE_INSTALLED") == str(os.getpid()):
        return  # imported twice in one process
    os.environ["PGOLF_TRACE_INSTALLED"] = str(os.getpid())
    _WRITER.write({"event": "start", "argv": sys.argv[:4], "t_ns": time.monotonic_ns(), "wall": time.time()})
    sys.addaudithook(_hook)


_install()
_chain_shadowed_sitecustomize()
