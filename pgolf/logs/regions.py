"""`find_regions`: the embedded source dumps and `Hyperparameters:` blocks of a log.

Works on prefix-stripped lines. The line-by-line scan skips dump lines outright and reads
block lines as `key: value`; everything else is program output.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from pgolf.logs import patterns as P


@dataclass(frozen=True)
class Regions:
    """Line spans (0-based, inclusive) that the line-by-line scan must not treat as output."""

    dumps: list[tuple[int, int]]  # embedded source code
    hyperparameter_blocks: list[tuple[int, int]]  # (header line, last key: value line)


def find_regions(lines: list[str]) -> Regions:
    """Locate the source dumps and hyperparameter blocks of a prefix-stripped log.

    New era: `Hyperparameters:` block, then `Source code:` between rulers of 100 `=`; the dump
    runs to the next ruler. Old era: the whole source first, then a ruler followed by
    `Running Python`; where that dump starts is found by scanning back from the ruler to the
    last line only program output produces (a log may hold several runs back to back).
    """
    rulers: list[int] = []
    headers: list[int] = []
    for i, s in enumerate(lines):
        c = s[:1]
        if c == "=" and s.rstrip() == P.RULER:
            rulers.append(i)
        elif (c == "H" and s.rstrip() == "Hyperparameters:") or (c == "-" and s.rstrip() == "--- Hyperparameters ---"):
            headers.append(i)
    blocks = [(h, _block_end(lines, h)) for h in headers]
    dumps = _find_dumps(lines, rulers, blocks)
    starts = [a for a, _ in dumps]  # dumps are sorted and disjoint: bisect keeps this linear
    kept = []
    for block in blocks:
        k = bisect_right(starts, block[0]) - 1
        if k < 0 or dumps[k][1] < block[0]:
            kept.append(block)
    return Regions(dumps=dumps, hyperparameter_blocks=kept)


def _block_end(lines: list[str], header: int) -> int:
    if lines[header].startswith("-"):  # `--- Hyperparameters ---`: one line of k=v pairs
        nxt = header + 1
        return nxt if nxt < len(lines) and "=" in lines[nxt] else header
    end = header
    while end + 1 < len(lines) and P.HYPERPARAM.match(lines[end + 1]) is not None:
        end += 1
    return end


def _find_dumps(lines: list[str], rulers: list[int], blocks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    dumps: list[tuple[int, int]] = []
    lower = 0  # nothing before this line can belong to the next dump
    covered = -1
    b = 0
    for k, r in enumerate(rulers):
        while b < len(blocks) and blocks[b][1] < r:  # a hyperparameter block is never source
            lower = max(lower, blocks[b][1] + 1)
            b += 1
        if r <= covered:
            continue
        nxt = lines[r + 1].rstrip() if r + 1 < len(lines) else ""
        if nxt == "Source code:":
            j = bisect_right(rulers, r + 2, lo=k + 1)  # skip the ruler right under the header
            end_ruler = rulers[j] if j < len(rulers) else len(lines)
            dumps.append((r + 1, end_ruler - 1))
            covered = end_ruler
            lower = end_ruler + 1
        elif P.DUMP_END.match(nxt) is not None:
            start = _dump_start(lines, lower, r)
            if start < r:
                dumps.append((start, r - 1))
            lower = r + 1
        else:
            lower = r + 1
    return dumps


def _dump_start(lines: list[str], floor: int, ruler: int) -> int:
    """First line of an old-era dump ending just before `ruler`: after the last output line."""
    for i in range(ruler - 1, floor - 1, -1):
        s = lines[i]
        if (
            s
            and not s[0].isspace()
            and P.OUTPUT_LINE.match(s) is not None
            and "{" not in s
            and "log0(" not in s
            and "log(" not in s
        ):
            return i + 1
    return floor
