"""PG003: a new folder's submission.json against the committed strict schema, located to lines.

jsonschema reports JSON pointers, but a GitHub annotation needs a line, so `pointer_lines` walks
the JSON text once and records the line of every member's key (and every array item's value).
A pointer to a missing member (e.g. a required key) falls back to its nearest existing ancestor.
"""

from __future__ import annotations

import bisect
import json
import re
import shlex
from pathlib import Path

from pgolf.ci.rules import SCHEMA
from pgolf.findings import CheckResult, Evidence, Location, Status
from pgolf.meta import pointers
from pgolf.meta.validate import MAX_FILE_BYTES, validate_path

SUBMISSION_JSON = "submission.json"
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
MAX_UNKNOWN_SHOWN = 10
UNREADABLE_PREFIXES = ("invalid JSON", "not UTF-8", "is not a regular file", "over ", "is a directory")
MAX_POINTER_DEPTH = 64  # pointers below this are not kept (their text grows with depth)


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


class _Frame:
    """An open object (`index` None) or array: its pointer (None below MAX_POINTER_DEPTH) and item index."""

    __slots__ = ("index", "ptr")

    def __init__(self, ptr: str | None, index: int | None) -> None:
        self.ptr = ptr
        self.index = index


class _Walker:
    """One pass over valid JSON text recording each pointer's line, with an explicit stack: a
    document nested thousands of levels deep is valid JSON and must not exhaust Python's stack."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _Lines(text)
        self.out: dict[str, int] = {}
        self.stack: list[_Frame] = []

    def _record(self, ptr: str | None, i: int, *, key: bool) -> None:
        if ptr is None:
            return
        if key:
            self.out[ptr] = self.lines(i)  # the last duplicate key wins, as it does for json.loads
        else:
            self.out.setdefault(ptr, self.lines(i))

    def _child(self, ptr: str | None, token: str | int) -> str | None:
        # Pointers deeper than the cap are not kept: their text grows with depth, and a line for
        # an error that deep falls back to the nearest recorded ancestor.
        if ptr is None or len(self.stack) > MAX_POINTER_DEPTH:
            return None
        return pointers.join(ptr, token)

    def _key(self, i: int, parent: str | None) -> tuple[str | None, int]:
        """Read `"key":` at i; return the member's pointer and the offset of its value."""
        key, after_key = _DECODER.raw_decode(self.text, i)
        if not isinstance(key, str):
            raise ValueError(f"object key at offset {i} is not a string")
        child = self._child(parent, key)
        self._record(child, i, key=True)
        return child, _skip(self.text, _expect(self.text, _skip(self.text, after_key), ":"))

    def _open(self, i: int, ptr: str | None) -> tuple[str | None, int] | None:
        """Enter the container at i; (first member's pointer, its offset), or None for an empty one."""
        text, opener = self.text, self.text[i]
        j = _skip(text, i + 1)
        if text.startswith("}" if opener == "{" else "]", j):
            return None
        self.stack.append(_Frame(ptr, None if opener == "{" else 0))
        if opener == "{":
            return self._key(j, ptr)
        return self._child(ptr, 0), j

    def _next(self, i: int) -> tuple[str | None, int] | None:
        """After a value ending at i: close finished containers; the next member, or None at the end."""
        text = self.text
        while self.stack:
            frame = self.stack[-1]
            i = _skip(text, i)
            if text.startswith("}" if frame.index is None else "]", i):
                self.stack.pop()
                i += 1
                continue
            i = _skip(text, _expect(text, i, ","))
            if frame.index is None:
                return self._key(i, frame.ptr)
            frame.index += 1
            return self._child(frame.ptr, frame.index), i
        return None

    def walk(self) -> dict[str, int]:
        ptr: str | None = ""
        i = _skip(self.text, 0)
        while True:
            self._record(ptr, i, key=False)
            entered = self._open(i, ptr) if self.text[i : i + 1] in ("{", "[") else None
            if entered is not None:
                ptr, i = entered
                continue
            if self.text[i : i + 1] in ("{", "["):
                i = _skip(self.text, i + 1) + 1  # an empty container
            else:
                _, i = _DECODER.raw_decode(self.text, i)
            following = self._next(i)
            if following is None:
                return self.out
            ptr, i = following


def pointer_lines(text: str) -> dict[str, int]:
    """Every JSON pointer in the document -> its line; {} when the text is not valid JSON."""
    try:
        return _Walker(text.removeprefix("\ufeff")).walk()
    except (ValueError, IndexError):
        return {}


def line_for(text: str, pointer: str, table: dict[str, int] | None = None) -> int | None:
    """The line of `pointer`, else of its nearest existing ancestor; for broken JSON, the error's line."""
    try:
        json.loads(text.removeprefix("\ufeff"))
    except json.JSONDecodeError as exc:
        return exc.lineno
    except (ValueError, RecursionError):  # nested deeper than json.loads recurses: the first line
        return 1
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


def fix_command(folder: str) -> str:
    return f"pgolf submission fix {shlex.quote(folder)}"


_IDENTITY = {"/author": "--author 'Your Name'", "/github_id": "--github-id LOGIN"}


def _hint(message: str, shown: str, pointer: str = "") -> str:
    """What to run: `fix` repairs a JSON document (the identity no log states is given to it); one that
    is not JSON at all is rewritten by `init`."""
    if message.startswith(UNREADABLE_PREFIXES):
        return f"; repair it by hand, or move it aside and run `pgolf submission init {shlex.quote(shown)}`"
    if pointer in _IDENTITY:
        return f"; no log states it: `{fix_command(shown)} {_IDENTITY[pointer]}`"
    return f"; `{fix_command(shown)}` repairs what the logs can tell"


def _unknown_result(unknown: list[str], folder: str) -> CheckResult:
    shown = ", ".join(unknown[:MAX_UNKNOWN_SHOWN]) + (", ..." if len(unknown) > MAX_UNKNOWN_SHOWN else "")
    note = (
        f"keys the schema does not define (allowed; check the spelling of each): {shown}; "
        f"`{fix_command(folder)}` adds the schema's key where one stands for it"
    )
    return SCHEMA.result(
        Status.WARN,
        f"{SUBMISSION_JSON} matches the submission schema; {len(unknown)} key(s) it does not define",
        [Evidence(location=Location(path=SUBMISSION_JSON, line=1), note=note)],
    )


def schema_result(folder: Path, *, shown_as: str | None = None) -> CheckResult:
    """PG003 for one folder; evidence paths are relative to the folder, as everywhere.

    Every failing annotation names `pgolf submission fix FOLDER`, which writes the missing keys
    from the folder's own logs. Keys the schema does not define make a warning, never a failure.
    """
    path = folder / SUBMISSION_JSON
    shown = shown_as or folder.as_posix()
    if path.is_symlink() or not path.is_file():
        return SCHEMA.result(
            Status.FAIL,
            f"the folder has no {SUBMISSION_JSON} (REQUIRED-FILES asks for one); "
            f"`pgolf submission init {shlex.quote(shown)}` writes one from the logs",
        )
    checked = validate_path(path)
    if not checked.errors:
        if checked.unknown_keys:
            return _unknown_result(checked.unknown_keys, shown)
        return SCHEMA.result(Status.PASS, f"{SUBMISSION_JSON} matches the submission schema")
    text = path.read_bytes()[: MAX_FILE_BYTES + 1].decode("utf-8", "replace")
    table = pointer_lines(text)
    evidence = [
        Evidence(
            location=Location(path=SUBMISSION_JSON, line=line_for(text, e.pointer, table), json_pointer=e.pointer),
            note=(f"at {e.pointer}: {e.message}" if e.pointer else e.message) + _hint(e.message, shown, e.pointer),
        )
        for e in checked.errors
    ]
    return SCHEMA.result(
        Status.FAIL,
        f"{SUBMISSION_JSON} does not match the submission schema ({len(checked.errors)} error(s)); "
        f"run `{fix_command(shown)}`",
        evidence,
    )
