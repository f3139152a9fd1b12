"""validate_file: a submission.json checked against the *committed* strict_v1 schema, then the cross-field rules.

What CI and any other tool see is the committed JSON Schema, so that is what this validates against;
errors come back as `SchemaError`s with readable messages and any fix suggestion attached.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pgolf.errors import UsageError
from pgolf.meta.coerce import json_type
from pgolf.meta.constraints import NOT_BLANK, SEED_KEY, SchemaError
from pgolf.meta.fixes import attach_fixes, located_fixes
from pgolf.meta.pointers import from_path, join
from pgolf.meta.semantic import semantic_errors

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator


MAX_FILE_BYTES = 4 * 1024 * 1024  # a submission.json is a few KB; more is not metadata


def _is_int(_checker: object, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _committed_schema() -> dict[str, Any]:
    from pgolf.schemas import schema_dict  # lazy: pgolf.schemas imports the model, which imports this

    return schema_dict("submission")


@cache
def _validator() -> Validator:
    from jsonschema import Draft202012Validator, validators

    extend: Callable[..., type[Validator]] = validators.extend  # untyped in types-jsonschema

    schema = _committed_schema()
    Draft202012Validator.check_schema(schema)
    # JSON Schema counts 15900000.0 as an integer; strict_v1 (like the pydantic model) does not, so a
    # byte count or seed is written the way every reader parses as an integer.
    checker = Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_int)
    return extend(Draft202012Validator, type_checker=checker)(schema)


def _short(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return json.dumps(value)
    return json_type(value)


_BOUNDS = {
    "minimum": "below the minimum",
    "exclusiveMinimum": "not above",
    "maximum": "over the maximum",
    "exclusiveMaximum": "not below",
}


def _unexpected_keys(value: dict[str, Any], schema: dict[str, Any]) -> str:
    patterns = list(schema.get("patternProperties", {}))
    allowed = schema.get("properties", {})
    extra = [k for k in value if k not in allowed and not any(re.search(p, k) for p in patterns)]
    shown = ", ".join(json.dumps(k) for k in extra[:5]) + (", ..." if len(extra) > 5 else "")
    if patterns == [SEED_KEY]:
        return f'keys must be decimal seeds such as "42"; found {shown}'
    return f"unexpected keys: {shown}"


def _describe(error: ValidationError) -> str:
    """A readable message for one jsonschema error (its own messages quote whole regexes)."""
    kind, limit, value = error.validator, error.validator_value, error.instance
    about = error.schema.get("description") if isinstance(error.schema, dict) else None
    if kind == "type":
        shown = json_type(value) if value is None or isinstance(value, dict | list) else _short(value)
        return f"expected {limit}, found {shown}" + (f" ({json_type(value)})" if shown != json_type(value) else "")
    if kind == "enum" and isinstance(limit, list):
        return f"{_short(value)} is not one of {', '.join(json.dumps(v) for v in limit)}"
    if kind == "pattern" and limit == NOT_BLANK:
        return "must not be empty or blank"
    if kind == "pattern":
        return f"{_short(value)} is not in the required format" + (f": {about}" if about else "")
    if kind in _BOUNDS:
        return f"{_short(value)} is {_BOUNDS[str(kind)]} {limit}"
    if kind in ("minItems", "minProperties", "minLength"):
        return "must not be empty"
    if kind == "additionalProperties" and isinstance(value, dict) and isinstance(error.schema, dict):
        return _unexpected_keys(value, error.schema)
    return str(error.message)


def _schema_errors(doc: Any) -> list[SchemaError]:
    found: list[SchemaError] = []
    for error in _validator().iter_errors(doc):
        where = from_path(error.absolute_path)
        required = error.validator_value if error.validator == "required" else None
        if isinstance(required, list) and isinstance(error.instance, dict):
            # One error per missing key, pointing where the key belongs (jsonschema points at the parent).
            found += [
                SchemaError(pointer=join(where, key), message=f"missing required key {json.dumps(key)}")
                for key in required
                if key not in error.instance
            ]
        else:
            found.append(SchemaError(pointer=where, message=_describe(error)))
    return found


class _NotJson(ValueError):
    """NaN and Infinity: Python's json accepts them, JSON (and every other reader) does not."""


def _reject_constant(name: str) -> Any:
    raise _NotJson(f"{name} is not a JSON number")


def _load(data: bytes) -> tuple[bool, Any, list[SchemaError]]:
    errors: list[SchemaError] = []
    if data.startswith(b"\xef\xbb\xbf"):
        errors.append(SchemaError(pointer="", message="the file starts with a UTF-8 BOM; save it without one"))
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            False,
            None,
            [*errors, SchemaError(pointer="", message=f"not UTF-8 text (bad byte at offset {exc.start})")],
        )
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):  # linear: a set of seen keys, not a scan of the earlier ones
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicates.append(key)
                seen.add(key)
        return obj

    try:
        doc = json.loads(text, object_pairs_hook=pairs, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        message = f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        return False, None, [*errors, SchemaError(pointer="", message=message)]
    except (ValueError, RecursionError) as exc:
        return False, None, [*errors, SchemaError(pointer="", message=f"invalid JSON: {str(exc)[:200]}")]
    errors += [SchemaError(pointer="", message=f"duplicate key {json.dumps(k)}") for k in dict.fromkeys(duplicates)]
    return True, doc, errors


def _read_file(path: Path) -> bytes | SchemaError:
    """The file's bytes; only a regular file is read (a FIFO or device would block or never end)."""
    if not path.exists() and not path.is_symlink():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        return SchemaError(pointer="", message="is a directory, not a submission.json file")
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return SchemaError(pointer="", message="is not a regular file (a FIFO, socket or device); not read")
        try:
            data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        return SchemaError(pointer="", message=f"over {MAX_FILE_BYTES} bytes; not a submission.json")
    return data


@dataclass(frozen=True)
class Validation:
    """What strict_v1 says of one file: errors (the gate fails on these) and the pointers of keys the
    schema does not define (allowed: a warning, since they may be misspellings of keys it does)."""

    errors: list[SchemaError]
    unknown_keys: list[str]


def _unknown_keys(doc: Any) -> list[str]:
    if not isinstance(doc, dict):
        return []
    props = _committed_schema()
    top = set(props.get("properties", {}))
    seed_props = set(props.get("$defs", {}).get("SeedResultV1", {}).get("properties", {}))
    found = [join("", k) for k in doc if k not in top]
    results = doc.get("seed_results")
    if isinstance(results, dict):
        for seed, entry in results.items():
            if isinstance(entry, dict):
                found += [join("/seed_results", seed, k) for k in entry if k not in seed_props]
    return found


def validation_of(data: bytes) -> Validation:
    """strict_v1 on file content: decoding, JSON, the committed schema, cross-field rules, unknown keys."""
    ok, doc, errors = _load(data)
    if not ok:
        return Validation(errors, [])
    found = sorted({*_schema_errors(doc), *semantic_errors(doc)}, key=lambda e: (e.pointer, e.message))
    return Validation(errors + attach_fixes(found, located_fixes(doc)), _unknown_keys(doc))


def validate_bytes(data: bytes) -> list[SchemaError]:
    """strict_v1 errors for file content; [] when it is valid."""
    return validation_of(data).errors


def validate_path(path: Path) -> Validation:
    """strict_v1 on a file. A missing file is a UsageError; only a regular file is read."""
    data = _read_file(path)
    return Validation([data], []) if isinstance(data, SchemaError) else validation_of(data)


def validate_file(path: Path) -> list[SchemaError]:
    """strict_v1 errors for a file; [] when it is valid. A missing file is a UsageError."""
    return validate_path(path).errors
