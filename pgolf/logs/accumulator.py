"""`Acc`: the log under construction while its lines are scanned, and what line handlers share.

Each line handler (`metrics`, `facts`) takes `(acc, line, line_number)` and records what it
finds on `acc`; facts that need the whole log are resolved afterwards (`resolve`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pgolf.logs.model import At, ParsedLog

MAX_TEXT = 300  # At.text and MetricLine.text keep at most this much of a line


@dataclass
class Acc:
    """The log under construction plus facts that are resolved only after the last line."""

    log: ParsedLog
    seed_line: At[int] | None = None
    step_avg_ms: float | None = None
    last_step: tuple[int, int, float | None] | None = None  # old format: step, total, train_time_ms
    stop_note: str | None = None  # about the last stopping_early line only (one note, not one per line)
    long_lines: int = 0


Handler = Callable[[Acc, str, int], None]


def clip(s: str) -> str:
    return s[:MAX_TEXT]
