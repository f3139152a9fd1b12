"""Stamp output lines as they arrive and tee them to a raw log and a timestamped JSONL.

Stamping on arrival, not by file mtime, is what makes external phase times possible
(ENVIRONMENT.md §5.3). Both backends feed raw byte chunks here; partial lines wait for their end.

The output is the submission's, so its cost is bounded here: every byte is handled once (a line
without a newline grows a buffer, it is never re-scanned), a line keeps at most `max_line_bytes` in
memory and in the JSONL (the raw log keeps it whole), the lines kept for the record are the first
and the last `memory_bytes` worth (the middle is on disk only), and each log file stops growing at
`log_bytes`. A write that fails (a full disk) never stops the reading: the pipe keeps draining,
so the run is never blocked on us, and the failure is reported.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import errno
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

from pgolf.runner.clock import Clock
from pgolf.runner.model import StampedLine

LineSink = Callable[[StampedLine], None]
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
NOTE = "[pgolf] "
_LINE_OVERHEAD = 256  # bytes a kept line costs beyond its text (a tuple, an int, a datetime, the slots)


def no_sink(_line: StampedLine) -> None:
    """A sink that ignores lines (the default when nobody watches)."""


@dataclass(frozen=True)
class CaptureLimits:
    max_line_bytes: int = 64 << 10
    memory_bytes: int = 128 << 20  # half for the first lines, half for the last
    log_bytes: int = 4 << 30  # per log file

    @classmethod
    def from_defaults(cls) -> CaptureLimits:
        """pgolf/runner/defaults.toml's [output]."""
        from pgolf.runner.defaults import runner_defaults

        d = runner_defaults().output
        return cls(max_line_bytes=d.max_line_bytes, memory_bytes=d.memory_bytes, log_bytes=d.log_bytes)


_Kept = tuple[int, dt.datetime, str]  # a line as kept in memory: StampedLine's fields, built on demand


@dataclass(frozen=True)
class _Stamp:
    """One arrival: our clocks read once, and the stamped log's line prefix formatted once."""

    t_ns: int
    wall: dt.datetime
    prefix: str

    @classmethod
    def now(cls, clock: Clock) -> _Stamp:
        t_ns, wall = clock.monotonic_ns(), clock.utc_now()
        return cls(t_ns, wall, f'{{"t_ns": {t_ns}, "wall": "{wall.isoformat()}", "text": ')


class _Log:
    """One output file: writes stop (and say why) at the byte cap or at the first failed write."""

    def __init__(self, path: Path, cap: int) -> None:
        self.path = path
        self.cap = cap
        self.written = 0
        self.dropped = 0
        self.error: OSError | None = None
        self.handle: IO[bytes] | None = path.open("ab")  # appending: setup steps and the command share it

    def write(self, data: bytes) -> None:
        if self.handle is None or self.written + len(data) > self.cap:
            self.dropped += len(data)
            return
        try:
            self.handle.write(data)
            self.written += len(data)
        except OSError as exc:
            self._fail(exc, len(data))

    def flush(self) -> None:
        if self.handle is not None:
            try:
                self.handle.flush()
            except OSError as exc:
                self._fail(exc, 0)

    def _fail(self, exc: OSError, size: int) -> None:
        self.error = exc
        self.dropped += size
        handle, self.handle = self.handle, None
        if handle is not None:
            with contextlib.suppress(OSError):  # the buffered tail is lost with the disk; the record says so
                handle.close()

    def close(self) -> None:
        self.flush()
        if self.handle is not None:
            try:
                self.handle.close()
            except OSError as exc:
                self.error = exc
            self.handle = None


class LineCapture:
    """Thread-safe: one reader thread feeds it while the supervisor may read `lines`."""

    def __init__(
        self,
        raw_path: Path,
        stamped_path: Path,
        clock: Clock,
        sink: LineSink = no_sink,
        limits: CaptureLimits | None = None,
    ) -> None:
        self._clock = clock
        self._sink = sink
        self._limits = limits or CaptureLimits.from_defaults()
        self._lock = threading.Lock()
        self._pending = bytearray()
        self._pending_dropped = 0
        self._head: list[_Kept] = []
        self._tail: collections.deque[tuple[_Kept, int]] = collections.deque()
        self._head_bytes = self._tail_bytes = 0
        self._gap_lines = self._gap_bytes = 0
        self._gap_at: _Kept | None = None
        self.lines_seen = 0
        self.truncated_lines = 0
        self._raw = _Log(raw_path, self._limits.log_bytes)
        self._stamped = _Log(stamped_path, self._limits.log_bytes)

    def __enter__(self) -> LineCapture:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def feed(self, chunk: bytes) -> None:
        """Add bytes; every line the chunk completes is stamped now, with the chunk's arrival time
        (the lines of one read arrived together). Linear in the chunk, whatever came before."""
        if not chunk:
            return
        with self._lock:
            self._raw.write(chunk)
            stamp: _Stamp | None = None
            start = 0
            while (end := chunk.find(b"\n", start)) != -1:
                self._keep(chunk, start, end)
                stamp = stamp or _Stamp.now(self._clock)
                self._emit(bytes(self._pending), self._pending_dropped, stamp)
                self._pending.clear()
                self._pending_dropped = 0
                start = end + 1
            self._keep(chunk, start, len(chunk))
            # Flushing per chunk keeps the raw log useful to `tail -f` without an fsync per line.
            self._raw.flush()
            self._stamped.flush()

    def _keep(self, chunk: bytes, start: int, end: int) -> None:
        room = max(0, self._limits.max_line_bytes - len(self._pending))
        take = min(room, end - start)
        if take:
            self._pending += chunk[start : start + take]
        self._pending_dropped += end - start - take

    def note(self, text: str) -> None:
        """A line of our own (setup start, deadline reached), marked so parsers can tell it apart."""
        with self._lock:
            self._emit(f"{NOTE}{text}".encode(), 0, _Stamp.now(self._clock))
            self._stamped.flush()

    def close(self) -> None:
        with self._lock:
            if self._pending or self._pending_dropped:
                self._emit(bytes(self._pending), self._pending_dropped, _Stamp.now(self._clock))
                self._pending.clear()
                self._pending_dropped = 0
            self._raw.close()
            self._stamped.close()

    @property
    def lines(self) -> list[StampedLine]:
        """The first and the last lines within the memory budget; a note of ours marks any gap."""
        with self._lock:
            kept = [*self._head, *(line for line, _cost in self._tail)]
            lines = [StampedLine(t_ns=t_ns, wall=wall, text=text) for t_ns, wall, text in kept]
            if self._gap_lines and self._gap_at is not None:
                t_ns, wall, _text = self._gap_at
                note = (
                    f"{NOTE}{self._gap_lines:,} lines ({self._gap_bytes:,} bytes) of output not kept in memory; "
                    "they are in the raw log"
                )
                lines.insert(len(self._head), StampedLine(t_ns=t_ns, wall=wall, text=note))
            return lines

    @property
    def disk_error(self) -> OSError | None:
        return self._raw.error or self._stamped.error

    @property
    def disk_full(self) -> bool:
        error = self.disk_error
        return error is not None and error.errno in DISK_FULL_ERRNOS

    def notes(self) -> list[str]:
        """What the record should say about the capture itself."""
        found = []
        for log in (self._raw, self._stamped):
            if log.error is not None:
                found.append(
                    f"writing {log.path.name} failed ({log.error.strerror}): {log.dropped:,} bytes not written"
                )
            elif log.dropped:
                found.append(f"{log.path.name} reached its cap of {log.cap:,} bytes: {log.dropped:,} bytes not written")
        if self.truncated_lines:
            found.append(
                f"{self.truncated_lines:,} line(s) longer than {self._limits.max_line_bytes:,} bytes were cut "
                "in memory and in the stamped log (the raw log has them whole)"
            )
        if self._gap_lines:
            found.append(f"{self._gap_lines:,} lines from the middle of the output were not kept in memory")
        return found

    def _emit(self, raw_line: bytes, dropped: int, stamp: _Stamp) -> None:
        text = raw_line.decode("utf-8", "replace").rstrip("\r")
        if dropped:
            self.truncated_lines += 1
            text += f" [pgolf: {dropped:,} more bytes of this line not kept]"
        self.lines_seen += 1
        self._retain((stamp.t_ns, stamp.wall, text), len(text) + _LINE_OVERHEAD)
        self._stamped.write(f"{stamp.prefix}{json.dumps(text, ensure_ascii=False)}}}\n".encode("utf-8", "replace"))
        if self._sink is not no_sink:
            self._sink(StampedLine(t_ns=stamp.t_ns, wall=stamp.wall, text=text))

    def _retain(self, line: _Kept, cost: int) -> None:
        half = self._limits.memory_bytes // 2
        if not self._tail and self._head_bytes + cost <= half:
            self._head.append(line)
            self._head_bytes += cost
            return
        self._tail.append((line, cost))
        self._tail_bytes += cost
        while self._tail_bytes > half and len(self._tail) > 1:
            dropped, dropped_cost = self._tail.popleft()
            self._tail_bytes -= dropped_cost
            self._gap_lines += 1
            self._gap_bytes += dropped_cost - _LINE_OVERHEAD
            self._gap_at = dropped


def iter_stamped(path: Path) -> Iterator[StampedLine]:
    """A timestamped JSONL, streamed (for resume and re-finalizing); unreadable lines are skipped."""
    if not path.is_file():
        return
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for raw in handle:
            try:
                item = json.loads(raw)
                yield StampedLine(
                    t_ns=int(item["t_ns"]), wall=dt.datetime.fromisoformat(item["wall"]), text=item["text"]
                )
            except (ValueError, KeyError, TypeError):
                continue


def read_stamped(path: Path) -> list[StampedLine]:
    return list(iter_stamped(path))
