"""Option parsing shared by commands."""

from __future__ import annotations

from collections.abc import Iterable


def split_names(values: Iterable[str]) -> list[str]:
    """`--select A,B --select C` -> [A, B, C]."""
    return [part.strip() for v in values for part in v.split(",") if part.strip()]
