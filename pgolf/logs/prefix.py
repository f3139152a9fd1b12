"""Strip the timestamp / rank prefixes that loggers and launchers put in front of log lines.

Seen in the wild (ENVIRONMENT.md §3.1): unix epoch (`1776144156.999 quantized_ttt_phased ...`),
ISO timestamps (`2026-04-29 18:14:45+08:00`), `[HH:MM:SS]`, `[rank0]:`, `[default0]:`, `[modal]`,
and combinations of them. The result regexes are anchored at column 0 of what remains.
"""

from __future__ import annotations

import re

# §3.3 verbatim: any run of epoch stamps, ISO timestamps and short bracketed tags.
PREFIX_RE = re.compile(
    r"^(?:\d{9,11}\.\d+\s+"
    r"|\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\s+"
    r"|\[[^\]]{1,40}\]:?\s*)*"
)

# Every prefix starts with a digit or "[": other lines skip the regex entirely (most lines).
_PREFIX_START = frozenset("0123456789[")


def strip_prefix(line: str) -> str:
    """The line without its prefixes, keeping any indentation that followed them.

    The §3.3 regex swallows all whitespace after a timestamp, which would turn the epoch-stamped
    hyperparameter line `1776142360.538   adam_eps: 1e-08` into a column-0 line. One separator
    character is dropped; the rest is indentation and is kept, so indented dump lines stay
    indented and the `Hyperparameters:` block stays recognisable.
    """
    if not line or line[0] not in _PREFIX_START:
        return line
    match = PREFIX_RE.match(line)
    end = match.end() if match else 0
    if end == 0:
        return line
    prefix = line[:end]
    trailing = len(prefix) - len(prefix.rstrip())
    return line[end - max(trailing - 1, 0) :]
