"""Builders for Evidence locations, so every check cites files, log lines and pointers the same way."""

from __future__ import annotations

from typing import Any

from pgolf.findings import Evidence, Location, Scalar
from pgolf.logs.model import ParsedLog
from pgolf.meta.model import Claimed, MetaReadResult

_EXCERPT = 300


def in_log(log: ParsedLog, line: int, text: str, note: str, measured: Scalar = None, limit: Scalar = None) -> Evidence:
    return Evidence(
        location=Location(path=log.path, line=line, excerpt=text[:_EXCERPT]),
        note=note,
        measured=measured,
        limit=limit,
    )


def in_json(
    meta_path: str, claim: Claimed[Any] | str, note: str, measured: Scalar = None, limit: Scalar = None
) -> Evidence:
    pointer = claim if isinstance(claim, str) else claim.pointer
    return Evidence(location=Location(path=meta_path, json_pointer=pointer), note=note, measured=measured, limit=limit)


def in_file(
    path: str | None, note: str, measured: Scalar = None, limit: Scalar = None, line: int | None = None
) -> Evidence:
    return Evidence(location=Location(path=path, line=line), note=note, measured=measured, limit=limit)


def meta_path(result: MetaReadResult | None) -> str:
    return result.path if result else "submission.json"
