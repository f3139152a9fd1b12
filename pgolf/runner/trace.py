"""Read the audit hook's per-process JSONL files and line them up with the phases.

Opens of training shards after the training stop line and connections to anything but loopback are
the evidence the issue asks for; val files opened during training are listed too (scripts load the
val set at start-up by design, ENVIRONMENT.md §0, so that alone is no violation).
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pgolf.runner import outputs
from pgolf.runner.clock import NS_PER_S
from pgolf.runner.model import DataAccess, SocketUse, TraceSummary
from pgolf.runner.phases import PhaseReport

_TRAIN_SHARD = re.compile(r"(^|/)fineweb_train_\d+\.bin$|(^|/)[^/]*train[^/]*\.bin$")
_VAL_FILE = re.compile(r"(^|/)[^/]*_val_[^/]*$")
_LOOPBACK = re.compile(r"127\.\d+\.\d+\.\d+|::1|'localhost'|^'/|^\"/|AddressFamily\.AF_UNIX")

# More than this many socket records would only repeat themselves; the count is kept.
MAX_SOCKETS = 200
# First opens kept per seed: one per (phase, file), so 80 shards over a handful of phases fit.
MAX_FIRST_OPENS = 2000
# Reading the trace: a real 8-rank run writes a few MB; a hostile one must not cost more than this.
MAX_TRACE_FILES = 10_000
MAX_FILE_BYTES = 64 << 20
MAX_TRACE_BYTES = 256 << 20
_TRACE_FILE = re.compile(r"trace-[^/]*\.jsonl")


@dataclass(frozen=True)
class TraceClock:
    """How to turn a hook timestamp into seconds since the seed start.

    `monotonic` when the hook shares our kernel clock (local); `wall` when it may not (a container
    with its own time namespace), at the cost of NTP-step sensitivity.
    """

    kind: Literal["monotonic", "wall"]
    t0_ns: int
    t0_wall: float

    def seconds(self, event: dict[str, Any]) -> float:
        if self.kind == "monotonic":
            return (int(event["t_ns"]) - self.t0_ns) / NS_PER_S
        return float(event["wall"]) - self.t0_wall


@dataclass
class _Files:
    """What reading the trace folder found besides events."""

    processes: int = 0
    dropped: int = 0
    refused: list[str] = field(default_factory=list)
    truncated: bool = False


def _read_events(trace_dir: Path, root: Path, files: _Files) -> Iterator[dict[str, Any]]:
    """Events of every trace-<pid>.jsonl, streamed. The folder is the submission's: nothing in it is
    followed (a trace linked to /dev/zero or a FIFO is refused), and reads are capped."""
    rel = trace_dir.relative_to(root).as_posix() if trace_dir != root else ""
    listing = outputs.walk(root, rel, max_entries=MAX_TRACE_FILES, descend=False)
    if listing.refused is not None:
        files.refused.append(f"{rel or trace_dir.name}: {listing.refused}")
    files.truncated = listing.truncated
    budget = MAX_TRACE_BYTES
    for entry in sorted(listing.entries, key=lambda e: e.rel):
        if not _TRACE_FILE.fullmatch(entry.rel):
            continue
        if entry.kind != "file":
            files.refused.append(f"{rel}/{entry.rel}: a {entry.kind}, not read")
            continue
        files.processes += 1
        if budget <= 0:
            files.truncated = True
            continue
        path = f"{rel}/{entry.rel}" if rel else entry.rel
        files.truncated = files.truncated or entry.size > min(budget, MAX_FILE_BYTES)
        try:
            lines = outputs.iter_lines(root, path, min(budget, MAX_FILE_BYTES))
            first = next(lines, None)  # opening happens here: a refusal surfaces before any event
        except (OSError, outputs.Refused) as exc:
            files.refused.append(f"{path}: {exc}")
            continue
        for raw in itertools.chain([first] if first is not None else [], lines):
            budget -= len(raw)
            try:
                item = json.loads(raw)
            except ValueError:
                files.dropped += 1  # a rank killed mid-write leaves half a line
                continue
            if isinstance(item, dict):
                yield item
            else:
                files.dropped += 1


def _relative(path: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if path.startswith(prefix):
            return path[len(prefix) :].lstrip("/") or path
    return path


@dataclass
class _Tally:
    """What summarize() accumulates while walking the events."""

    opens: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    first: dict[tuple[str, str], DataAccess] = field(default_factory=dict)
    after_stop: list[DataAccess] = field(default_factory=list)
    val_in_training: list[DataAccess] = field(default_factory=list)
    sockets: list[SocketUse] = field(default_factory=list)
    loopback: int = 0

    def add_open(self, access: DataAccess, stop_s: float | None) -> None:
        self.opens[access.phase].add(access.path)
        key = (access.phase, access.path)
        earlier = self.first.get(key)
        # ranks' trace files are read one after another, so a later event may be an earlier open
        keep = len(self.first) < MAX_FIRST_OPENS if earlier is None else access.t_s < earlier.t_s
        if keep:
            self.first[key] = access
        if stop_s is not None and access.t_s > stop_s and _TRAIN_SHARD.search(access.path):
            self.after_stop.append(access)
        if access.phase == "training" and _VAL_FILE.search(access.path):
            self.val_in_training.append(access)

    def add_socket(self, use: SocketUse) -> None:
        if _LOOPBACK.search(use.address):
            self.loopback += 1
        elif len(self.sockets) < MAX_SOCKETS:
            self.sockets.append(use)


def summarize(
    trace_dir: Path, prefixes: tuple[str, ...], phases: PhaseReport, clock: TraceClock, root: Path | None = None
) -> TraceSummary:
    """`root`: the folder we trust (the seed folder); nothing between it and the trace files is followed."""
    found = _Files()
    tally = _Tally()
    dropped = events = 0
    for event in _read_events(trace_dir, root or trace_dir, found):
        events += 1
        try:
            t_s = round(clock.seconds(event), 6)
            kind = str(event["event"])
            pid = int(event["pid"])
        except (KeyError, TypeError, ValueError):
            dropped += 1
            continue
        phase = phases.phase_at(t_s)
        rank = None if event.get("rank") is None else str(event["rank"])
        if kind == "open":
            path = _relative(str(event.get("path", "")), prefixes)
            tally.add_open(DataAccess(path=path, t_s=t_s, phase=phase, rank=rank, pid=pid), phases.train_stop_s)
        elif kind.startswith("socket."):
            address = str(event.get("address", ""))
            use = SocketUse(event=kind, address=address, loopback=False, t_s=t_s, phase=phase, rank=rank, pid=pid)
            tally.add_socket(use)
    return TraceSummary(
        hook_active=found.processes > 0,
        processes=found.processes,
        events=events,
        opens_by_phase={phase: sorted(files) for phase, files in sorted(tally.opens.items())},
        first_opens=sorted(tally.first.values(), key=lambda a: (a.t_s, a.path)),
        train_shards_after_stop=tally.after_stop,
        val_opened_in_training=tally.val_in_training,
        sockets=tally.sockets,
        loopback_connects=tally.loopback,
        dropped_lines=dropped + found.dropped,
        refused_files=found.refused,
        truncated=found.truncated,
    )
