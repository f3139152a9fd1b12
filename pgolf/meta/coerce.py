"""Value conversion for the lenient reader: numbers, counts and text, with every repair and problem noted.

A coercer takes (notes, value, pointer) and returns the converted value or None; it never raises.
Numeric strings, integral floats and "1,234"-style counts are repaired; anything else is a problem.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pgolf.meta.aliases import Path_, lookup
from pgolf.meta.model import Claimed, MetaProblem, Repair
from pgolf.meta.pointers import join

T = TypeVar("T")
Coerce = Callable[["Notes", Any, str], T | None]

_NUMBER_TEXT = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?\s*", re.ASCII)
_INT_TEXT = re.compile(r"\s*(?:\d{1,30}|\d{1,3}(?:,\d{3}){1,9}|\d{1,3}(?:_\d{3}){1,9})(?:\.0*)?\s*", re.ASCII)


@dataclass
class Notes:
    """Repairs and problems collected while reading one file."""

    repairs: list[Repair] = field(default_factory=list)
    problems: list[MetaProblem] = field(default_factory=list)

    def repair(self, pointer: str, action: str) -> None:
        self.repairs.append(Repair(pointer=pointer, action=action))

    def problem(self, pointer: str, message: str, line: int | None = None) -> None:
        self.problems.append(MetaProblem(pointer=pointer, message=message, line=line))


def json_type(value: object) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def show(value: object) -> str:
    """A short rendering of a value for a message (long strings are cut)."""
    if value is None:
        return "null (no value given)"
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 60 else value[:57] + "...")
    return json_type(value)


def as_float(notes: Notes, value: Any, ptr: str) -> float | None:
    if isinstance(value, str):
        if not _NUMBER_TEXT.fullmatch(value):
            notes.problem(ptr, f"{show(value)} is not a number")
            return None
        notes.repair(ptr, f"parsed numeric string {show(value)}")
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        notes.problem(ptr, f"expected a number, found {show(value)}")
        return None
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        notes.problem(ptr, f"{value!r} is not a finite number")
        return None
    return number


def as_count(notes: Notes, value: Any, ptr: str) -> int | None:
    """A non-negative integer (byte counts, steps, seeds), repairing strings and integral floats."""
    if isinstance(value, str):
        if not _INT_TEXT.fullmatch(value):
            notes.problem(ptr, f"{show(value)} is not a whole number")
            return None
        notes.repair(ptr, f"parsed integer string {show(value)}")
        return int(value.strip().replace(",", "").replace("_", "").split(".")[0])
    if isinstance(value, bool) or not isinstance(value, int | float):
        notes.problem(ptr, f"expected a whole number, found {show(value)}")
        return None
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            notes.problem(ptr, f"{value!r} is not a whole number")
            return None
        notes.repair(ptr, f"converted {value!r} to an integer")
    count = int(value)
    if count < 0:
        notes.problem(ptr, f"{count} is negative")
        return None
    return count


def as_score(notes: Notes, value: Any, ptr: str) -> float | None:
    """A headline score; an object in val_bpb/val_loss holds per-seed values, read elsewhere."""
    if isinstance(value, dict) and ptr in ("/val_bpb", "/val_loss"):
        return None
    return as_float(notes, value, ptr)


def as_text(notes: Notes, value: Any, ptr: str) -> str | None:
    if isinstance(value, str):
        if not value.strip():
            notes.problem(ptr, "empty string")
            return None
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        notes.repair(ptr, f"converted number {value!r} to a string")
        return str(value)
    notes.problem(ptr, f"expected a string, found {show(value)}")
    return None


def claim_first(
    notes: Notes,
    doc: dict[str, Any],
    paths: Iterable[Path_],
    coerce: Coerce[T],
    what: str,
    *,
    base: str = "",
) -> Claimed[T] | None:
    """The first alias that is present and usable; unusable ones become problems, and we go on.

    `doc` may be a nested object; `base` is its pointer, so claims and repairs point into the file.
    """
    for path in paths:
        found, value = lookup(doc, path)
        if not found:
            continue
        ptr = join(base, *path)
        got = coerce(notes, value, ptr)
        if got is None:
            continue
        if path != (what,):
            notes.repair(ptr, f"{what} read from alias {'.'.join(path)}")
        return Claimed(value=got, pointer=ptr)
    return None
