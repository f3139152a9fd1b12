"""Bytes to a parsed JSON object, leniently: bad UTF-8, a BOM, duplicate keys and a wrapping array."""

from __future__ import annotations

import json
from typing import Any

from pgolf.meta.coerce import Notes, show

_MAX_DUPLICATE_NOTES = 10
_BOM = "\ufeff"


def decode_text(notes: Notes, data: bytes) -> str:
    """The bytes as text: invalid UTF-8 replaced and a BOM stripped, each noted."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        notes.problem("", f"invalid UTF-8 at byte {exc.start}; undecodable bytes were replaced")
        notes.repair("", "replaced invalid UTF-8 bytes with U+FFFD")
        text = data.decode("utf-8", errors="replace")
    if text.startswith(_BOM):
        notes.repair("", "stripped UTF-8 BOM")
        text = text[1:]
    return text


def parse_json(notes: Notes, text: str) -> tuple[bool, Any]:
    """(parsed, document); an empty or invalid file is a problem, and duplicate keys are noted."""
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    if not text.strip():
        notes.problem("", "the file is empty")
        return False, None
    try:
        doc = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        notes.problem("", f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}", line=exc.lineno)
        return False, None
    except (ValueError, RecursionError) as exc:  # digit-count limit, nesting deeper than Python recurses
        notes.problem("", f"unreadable JSON: {type(exc).__name__}: {str(exc)[:200]}")
        return False, None
    for key in duplicates[:_MAX_DUPLICATE_NOTES]:
        notes.problem("", f"duplicate key {show(key)} in a JSON object; the last value is used")
    return True, doc


def top_object(notes: Notes, doc: Any) -> dict[str, Any] | None:
    """The submission object: the document itself, or the one object in a one-element array."""
    if isinstance(doc, dict):
        return doc
    if isinstance(doc, list) and len(doc) == 1 and isinstance(doc[0], dict):
        notes.repair("/0", "unwrapped a one-element array around the submission object")
        return doc[0]
    notes.problem("", f"the top level is {show(doc)}, not a JSON object")
    return None
