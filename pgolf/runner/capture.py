"""Stamp output lines as they arrive and tee them to a raw log and a timestamped JSONL.

Stamping on arrival, not by file mtime, is what makes external phase times possible
(ENVIRONMENT.md §5.3). Both backends feed raw byte chunks here; partial lines wait for their end.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import IO

from pgolf.runner.clock import Clock
from pgolf.runner.model import StampedLine

LineSink = Callable[[StampedLine], None]


def no_sink(_line: StampedLine) -> None:
    """A sink that ignores lines (the default when nobody watches)."""


class LineCapture:
    """Thread-safe: one reader thread feeds it while the supervisor may read `lines`."""

    def __init__(self, raw_path: Path, stamped_path: Path, clock: Clock, sink: LineSink = no_sink) -> None:
        self._clock = clock
        self._sink = sink
        self._pending = b""
        self._lock = threading.Lock()
        self.lines: list[StampedLine] = []
        # Appending, so that setup steps and the main command share one log.
        self._raw: IO[bytes] = raw_path.open("ab")
        self._stamped: IO[str] = stamped_path.open("a", encoding="utf-8")

    def __enter__(self) -> LineCapture:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def feed(self, chunk: bytes) -> None:
        """Add bytes; every completed line is stamped now."""
        if not chunk:
            return
        with self._lock:
            self._raw.write(chunk)
            data = self._pending + chunk
            *complete, self._pending = data.split(b"\n")
            for raw_line in complete:
                self._emit(raw_line)
            # Flushing per chunk keeps the raw log useful to `tail -f` without an fsync per line.
            self._raw.flush()
            self._stamped.flush()

    def note(self, text: str) -> None:
        """A line of our own (setup start, deadline reached), marked so parsers can tell it apart."""
        with self._lock:
            self._emit(f"[pgolf] {text}".encode())
            self._stamped.flush()

    def close(self) -> None:
        with self._lock:
            if self._pending:
                self._emit(self._pending)
                self._pending = b""
            if not self._raw.closed:
                self._raw.close()
                self._stamped.close()

    def _emit(self, raw_line: bytes) -> None:
        text = raw_line.decode("utf-8", "replace").rstrip("\r")
        line = StampedLine(t_ns=self._clock.monotonic_ns(), wall=self._clock.utc_now(), text=text)
        self.lines.append(line)
        self._stamped.write(
            json.dumps({"t_ns": line.t_ns, "wall": line.wall.isoformat(), "text": text}, ensure_ascii=False) + "\n"
        )
        self._sink(line)


def read_stamped(path: Path) -> list[StampedLine]:
    """Read a timestamped JSONL back (for resume and re-finalizing); unreadable lines are skipped."""
    lines: list[StampedLine] = []
    if not path.is_file():
        return lines
    for raw in path.read_text("utf-8", errors="replace").splitlines():
        try:
            item = json.loads(raw)
            lines.append(
                StampedLine(t_ns=int(item["t_ns"]), wall=dt.datetime.fromisoformat(item["wall"]), text=item["text"])
            )
        except (ValueError, KeyError, TypeError):
            continue
    return lines
