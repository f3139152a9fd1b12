"""`parse_log`: one log's text -> `ParsedLog`. Pure: no I/O, never raises on any input.

How a log is read (ENVIRONMENT.md §3):
- Each line loses its timestamp / rank prefix (`prefix.strip_prefix`).
- A structure pass finds the embedded source dumps and the `Hyperparameters:` blocks; dump
  lines are skipped outright and block lines are read as `key: value` (`regions`).
- Every other line goes through a cheap dispatch on its first characters to the one or two
  regexes that can match it (`metrics` for metric and step lines, `facts` for the rest).
  Lines holding `{`, `log0(` or `log(`, indented lines and very long lines are never result
  lines (code that escaped dump detection, tables, junk).
- A fact printed more than once keeps its last occurrence: concatenated logs report the
  last run, as the §3.4 "last metric line" rule does.
- What needs the whole log (score, seed, role, notes) is settled at the end (`resolve`).
"""

from __future__ import annotations

from pgolf.logs import patterns as P
from pgolf.logs.accumulator import MAX_TEXT, Acc, Handler
from pgolf.logs.facts import BY_FIRST, on_other, read_hyperparameter_block
from pgolf.logs.marks import FIRST_CHARS, on_mark
from pgolf.logs.metrics import on_metric, on_new_step, on_old_step
from pgolf.logs.model import LogRole, ParsedLog
from pgolf.logs.prefix import strip_prefix
from pgolf.logs.regions import Regions, find_regions
from pgolf.logs.resolve import MAX_LISTED, REFERENCE_DIRS, Damage, finish, intrinsic_role

__all__ = [
    "MAX_LISTED",
    "MAX_TEXT",
    "REFERENCE_DIRS",
    "Handler",
    "Regions",
    "find_regions",
    "intrinsic_role",
    "parse_log",
]

# Bound here rather than used under its imported name: CPython 3.11 compiles `imported.get(...)`
# as an attribute load plus call (a new bound method per line) instead of a method call, and
# `_dispatch` runs once per log line.
_BY_FIRST = BY_FIRST
_MARK_FIRST = FIRST_CHARS


def parse_log(text: str, path: str, max_lines: int | None = None) -> ParsedLog:
    """Parse a decoded log. `path` is relative to the submission folder (posix).

    `max_lines`: parse at most this many lines (the folder's line budget, `collect`); a note says
    when the rest was not read. Memory is linear in the lines parsed.
    """
    text = text.removeprefix("\ufeff")
    raw = text.split("\n", max_lines) if max_lines is not None else text.split("\n")
    truncated = False
    if max_lines is not None and len(raw) > max_lines:
        truncated = raw.pop() != ""
    if raw and raw[-1] == "":
        raw.pop()
    lines = [strip_prefix(line.rstrip("\r")) for line in raw]
    damage = Damage(replaced="\ufffd" in text, nul="\x00" in text)
    del raw, text  # the lines are all that is needed from here on: memory stays one copy of the log
    acc = Acc(log=ParsedLog(path=path, role=LogRole.UNKNOWN, line_count=len(lines)))
    if truncated:
        acc.log.notes.append(f"only the first {len(lines)} lines were parsed: the folder's log line budget ran out")
    regions = find_regions(lines)
    _scan(acc, lines, regions)
    finish(acc, regions, damage)
    return acc.log


def _scan(acc: Acc, lines: list[str], regions: Regions) -> None:
    jumps = dict(regions.dumps)
    blocks = dict(regions.hyperparameter_blocks)
    i, n = 0, len(lines)
    while i < n:
        if i in jumps:
            i = jumps[i] + 1
            continue
        if i in blocks:
            read_hyperparameter_block(acc, lines, i, blocks[i])
            i = blocks[i] + 1
            continue
        _dispatch(acc, lines[i], i + 1)
        i += 1


def _dispatch(acc: Acc, s: str, n: int) -> None:
    if not s or s[0] in " \t":
        return
    if len(s) > P.MAX_MATCH_LINE:
        acc.long_lines += 1
        return
    if "{" in s or "log0(" in s or "log(" in s:
        return
    c = s[0]
    if c == "s" and s.startswith("step:"):
        on_old_step(acc, s, n)
        return
    if c.isdigit():
        on_new_step(acc, s, n)
        return
    if "val_loss" in s and on_metric(acc, s, n):
        return
    if c in _MARK_FIRST:
        on_mark(acc, s, n)
    for prefix, handler in _BY_FIRST.get(c, ()):
        if s.startswith(prefix):
            handler(acc, s, n)
            return
    on_other(acc, s, n)
