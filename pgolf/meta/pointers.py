"""RFC 6901 JSON pointers: how every claim and repair says where in submission.json it came from."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_INDEX = re.compile(r"(?:0|[1-9][0-9]*)")  # RFC 6901: array indices are ASCII decimals, no leading zero


def escape(token: str | int) -> str:
    """Escape one reference token (`~` first, so that `/` -> `~1` is not re-escaped)."""
    return str(token).replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """Undo `escape` (`~1` first, per RFC 6901 §4, so that `~01` decodes to `~1`)."""
    return token.replace("~1", "/").replace("~0", "~")


def join(base: str, *tokens: str | int) -> str:
    """Append reference tokens to a pointer: join("/seed_results", "42", "val_bpb")."""
    return base + "".join("/" + escape(t) for t in tokens)


def from_path(path: Iterable[str | int]) -> str:
    """A pointer from a sequence of keys and indices (as in jsonschema's `error.absolute_path`)."""
    return join("", *path)


def split(pointer: str) -> list[str]:
    """The unescaped reference tokens of a pointer; "" (the whole document) has none."""
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer (must be empty or start with '/'): {pointer!r}")
    return [unescape(t) for t in pointer[1:].split("/")]


def resolve(doc: Any, pointer: str) -> Any:
    """The value a pointer designates in a parsed JSON document; LookupError when it designates none."""
    node = doc
    for token in split(pointer):
        if isinstance(node, dict):
            if token not in node:
                raise LookupError(f"{pointer}: no key {token!r}")
            node = node[token]
        elif isinstance(node, list):
            if not _INDEX.fullmatch(token) or int(token) >= len(node):
                raise LookupError(f"{pointer}: no index {token!r}")
            node = node[int(token)]
        else:
            raise LookupError(f"{pointer}: {token!r} indexes into a scalar")
    return node
