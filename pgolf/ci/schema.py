"""PG003: a new folder's submission.json against the committed strict schema, located to lines.

jsonschema reports JSON pointers, but a GitHub annotation needs a line, so `pointer_lines` walks
the JSON text once and records the line of every member's key (and every array item's value).
A pointer to a missing member (e.g. a required key) falls back to its nearest existing ancestor.
"""

from __future__ import annotations

import bisect
import json
import re
from pathlib import Path

from pgolf.ci.rules import SCHEMA
from pgolf.findings import CheckResult, Evidence, Location, Status
from pgolf.meta import pointers
from pgolf.meta.strict import validate_file

SUBMISSION_JSON = "submission.json"
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


class _Lines:
    """Offset -> 1-based line number, by bisecting the newline offsets."""

    def __init__(self, text: str) -> None:
        self._newlines = [m.start() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_left(self._newlines, offset) + 1


def _skip(text: str, i: int) -> int:
    match = _WS.match(text, i)
    return match.end() if match else i


def _expect(text: str, i: int, char: str) -> int:
    if text[i : i + 1] != char:
        raise ValueError(f"expected {char!r} at offset {i}")
    return i + 1


def _walk(text: str, i: int, ptr: str, lines: _Lines, out: dict[str, int]) -> int:
    """Record `ptr` (unless its key already did) and every pointer below it; return the value's end."""
    out.setdefault(ptr, lines(i))
    if text.startswith("{", i):
        return _walk_object(text, _skip(text, i + 1), ptr, lines, out)
    if text.startswith("[", i):
        return _walk_array(text, _skip(text, i + 1), ptr, lines, out)
    _, end = _DECODER.raw_decode(text, i)
    return end


def _walk_object(text: str, i: int, ptr: str, lines: _Lines, out: dict[str, int]) -> int:
    if text.startswith("}", i):
        return i + 1
    while True:
        key, after_key = _DECODER.raw_decode(text, i)
        if not isinstance(key, str):
            raise ValueError(f"object key at offset {i} is not a string")
        child = pointers.join(ptr, key)
        out[child] = lines(i)  # the last duplicate key wins, as it does for json.loads
        i = _skip(text, _expect(text, _skip(text, after_key), ":"))
        i = _skip(text, _walk(text, i, child, lines, out))
        if text.startswith("}", i):
            return i + 1
        i = _skip(text, _expect(text, i, ","))


def _walk_array(text: str, i: int, ptr: str, lines: _Lines, out: dict[str, int]) -> int:
    if text.startswith("]", i):
        return i + 1
    index = 0
    while True:
        i = _skip(text, _walk(text, i, pointers.join(ptr, index), lines, out))
        if text.startswith("]", i):
            return i + 1
        i = _skip(text, _expect(text, i, ","))
        index += 1


def pointer_lines(text: str) -> dict[str, int]:
    """Every JSON pointer in the document -> its line; {} when the text is not valid JSON."""
    text = text.removeprefix("\ufeff")
    out: dict[str, int] = {}
    try:
        _walk(text, _skip(text, 0), "", _Lines(text), out)
    except (ValueError, IndexError):
        return {}
    return out


def line_for(text: str, pointer: str, table: dict[str, int] | None = None) -> int | None:
    """The line of `pointer`, else of its nearest existing ancestor; for broken JSON, the error's line."""
    try:
        json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        return exc.lineno
    table = pointer_lines(text) if table is None else table
    try:
        tokens = pointers.split(pointer)
    except ValueError:
        return table.get("")
    for n in range(len(tokens), -1, -1):
        line = table.get(pointers.from_path(tokens[:n]))
        if line is not None:
            return line
    return None


def schema_result(folder: Path) -> CheckResult:
    """PG003 for one materialized folder; evidence paths are relative to the folder, as everywhere."""
    path = folder / SUBMISSION_JSON
    if path.is_symlink() or not path.is_file():
        return SCHEMA.result(Status.FAIL, f"the folder has no {SUBMISSION_JSON} (REQUIRED-FILES asks for one)")
    errors = validate_file(path)
    if not errors:
        return SCHEMA.result(Status.PASS, f"{SUBMISSION_JSON} matches the submission schema")
    text = path.read_bytes().decode("utf-8", "replace")
    table = pointer_lines(text)
    evidence = [
        Evidence(
            location=Location(path=SUBMISSION_JSON, line=line_for(text, e.pointer, table), json_pointer=e.pointer),
            note=f"at {e.pointer}: {e.message}" if e.pointer else e.message,
        )
        for e in errors
    ]
    return SCHEMA.result(
        Status.FAIL,
        f"{SUBMISSION_JSON} does not match the submission schema ({len(errors)} error(s))",
        evidence,
    )
