"""strict_v1: the submission.json schema the CI gate holds new record PRs to (ENVIRONMENT.md §4.4).

The pydantic model is the source; `pgolf.schemas.generate("submission")` writes the committed JSON
Schema from it, and `validate_file` checks a file against that *committed* schema (what CI and any
other tool see), plus the cross-field rules a JSON Schema cannot state (`semantic_errors`).
Limits come from the ruleset, never from literals here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

from pgolf.errors import UsageError
from pgolf.meta.lenient import (
    AUTHOR_ALIASES,
    BPB_ALIASES,
    CODE_ALIASES,
    DATE_ALIASES,
    GITHUB_ALIASES,
    LOSS_ALIASES,
    NAME_ALIASES,
    SEED_FIELDS,
    SIZE_ALIASES,
    STD_ALIASES,
    TORCH_ALIASES,
    SizeBasis,
    json_type,
    lookup,
)
from pgolf.meta.pointers import from_path, join
from pgolf.ruleset import load_ruleset

if TYPE_CHECKING:
    from jsonschema import ValidationError
    from jsonschema.protocols import Validator

SCHEMA_ID = "https://pgolf.dev/schemas/submission.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_FILE_BYTES = 4 * 1024 * 1024  # a submission.json is a few KB; more is not metadata
MEAN_TOLERANCE = 1e-4  # val_bpb vs the mean of the per-seed scores: rounding to 4 decimals passes

GITHUB_LOGIN = r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$"
ISO_DATE = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?(?:Z|[+-][0-9]{2}:?[0-9]{2})?)?$"
)
NOT_BLANK = r"\S"
SEED_KEY = r"^(?:0|[1-9][0-9]{0,11})$"
DATASET_REPO = r"^[^@\s]+@[^@\s]+$"
# github_id values seen in templates (ENVIRONMENT.md §4.2), compared without case, "-" or "_".
PLACEHOLDER_LOGINS = frozenset(
    {"yourgithubid", "yourgithubusername", "yourusername", "yourname", "yourhandle", "githubid"}
    | {"githubusername", "githubhandle", "username", "user", "todo", "tbd", "none", "null", "unknown"}
    | {"anonymous", "example", "placeholder", "xxx"}
)

TrackV1 = Literal["10min_16mb", "non_record_16mb"]
# Constraints sit on the inner type: pydantic cannot apply them through `X | SkipJsonSchema[None]`.
Count = Annotated[int, Field(ge=0)]
PositiveCount = Annotated[int, Field(ge=1)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
RepoAtRevision = Annotated[str, StringConstraints(pattern=DATASET_REPO)]


def artifact_cap() -> int:
    """The schema's size cap: the largest track cap in the newest ruleset (each track's own is in
    `semantic_errors`). Read lazily so that importing this module does no work."""
    return max(track.max_artifact_bytes for track in load_ruleset().tracks.values())


def _with_cap(schema: JsonDict) -> None:
    schema["maximum"] = artifact_cap()


def _no_default(schema: JsonDict) -> None:
    # An optional key is absent, not null: the schema shows no `default: null` to invite one.
    schema.pop("default", None)


def _optional(description: str) -> Any:
    return Field(default=None, description=description, json_schema_extra=_no_default)


class _StrictBase(BaseModel):
    # python-re: the GitHub login pattern needs a lookahead, which the default Rust engine lacks.
    model_config = ConfigDict(extra="allow", strict=True, regex_engine="python-re")

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("null is not allowed; leave the key out instead")
        return value


class SeedResultV1(_StrictBase):
    """One seed's final result, as its train log reports it."""

    model_config = ConfigDict(title="Per-seed result")

    val_bpb: float = Field(gt=0, lt=10, description="Final validation bits per byte of this seed's run.")
    val_loss: float = Field(gt=0, description="Final validation loss (nats per token) of this seed's run.")
    artifact_bytes: int = Field(
        ge=0,
        description="Code bytes plus compressed model bytes of this seed's artifact (the SIZE-CAP rule).",
        json_schema_extra=_with_cap,
    )
    steps: Count | SkipJsonSchema[None] = _optional("Training steps completed.")
    train_time_ms: NonNegativeFloat | SkipJsonSchema[None] = _optional("Training wall-clock time in ms.")
    eval_time_ms: NonNegativeFloat | SkipJsonSchema[None] = _optional("Evaluation wall-clock time in ms.")
    log: str | SkipJsonSchema[None] = _optional("Path of this seed's train log, relative to the folder.")

    @field_validator("artifact_bytes")
    @classmethod
    def _under_cap(cls, value: int) -> int:
        if value > artifact_cap():
            raise ValueError(f"{value} bytes is over the {artifact_cap()}-byte cap")
        return value


SeedKey = Annotated[str, StringConstraints(pattern=SEED_KEY)]


class SubmissionV1(_StrictBase):
    """submission.json for a new Parameter Golf record PR (strict_v1). Unknown keys are allowed."""

    model_config = ConfigDict(
        title="Parameter Golf submission.json (strict_v1)",
        json_schema_extra={"$schema": SCHEMA_DIALECT, "$id": SCHEMA_ID},
    )

    author: str = Field(pattern=NOT_BLANK, description="Author's name as shown on the leaderboard.")
    github_id: str = Field(
        pattern=GITHUB_LOGIN, description="The author's GitHub login (letters, digits, single hyphens)."
    )
    name: str = Field(pattern=NOT_BLANK, description="Title of the run.")
    date: str = Field(pattern=ISO_DATE, description="ISO 8601 date (YYYY-MM-DD) or date-time.")
    track: TrackV1 = Field(description="The records track the folder is submitted to.")
    val_bpb: float = Field(gt=0, lt=10, description="Headline score: the mean of seed_results val_bpb.")
    val_loss: float = Field(gt=0, description="Mean validation loss (nats per token) over the seeds.")
    bytes_total: int = Field(
        ge=0,
        description="Artifact size: the max over seeds of code bytes plus compressed model bytes.",
        json_schema_extra=_with_cap,
    )
    seeds: list[Count] = Field(min_length=1, description="The seeds run; each has an entry in seed_results.")
    seed_results: dict[SeedKey, SeedResultV1] = Field(
        min_length=1,
        description='Per-seed results keyed by the decimal seed ("42").',
        json_schema_extra={"additionalProperties": False},
    )
    bytes_code: Count | SkipJsonSchema[None] = _optional("Counted code bytes (train_gpt.py as shipped).")
    val_bpb_std: NonNegativeFloat | SkipJsonSchema[None] = _optional("Standard deviation of val_bpb over seeds.")
    hardware: str | SkipJsonSchema[None] = _optional('Hardware the runs used, e.g. "8xH100 80GB SXM".')
    pytorch_version: str | SkipJsonSchema[None] = _optional('PyTorch version, e.g. "2.9.1+cu128".')
    cuda_version: str | SkipJsonSchema[None] = _optional('CUDA version, e.g. "12.8".')
    flash_attn_version: str | SkipJsonSchema[None] = _optional("FlashAttention version used, if any.")
    blurb: str | SkipJsonSchema[None] = _optional("A short description of the approach.")
    dataset: str | SkipJsonSchema[None] = _optional('Dataset variant, e.g. "fineweb10B_sp8192".')
    dataset_repo: RepoAtRevision | SkipJsonSchema[None] = _optional("Dataset source as repo@revision.")
    train_shards: PositiveCount | SkipJsonSchema[None] = _optional("Number of training shards read.")
    val_tokens: PositiveCount | SkipJsonSchema[None] = _optional("Number of validation tokens scored.")
    score_line: str | SkipJsonSchema[None] = _optional(
        'Label of the log line that carries the score, e.g. "quantized_ttt_phased".'
    )

    @field_validator("bytes_total")
    @classmethod
    def _under_cap(cls, value: int) -> int:
        if value > artifact_cap():
            raise ValueError(f"{value} bytes is over the {artifact_cap()}-byte cap")
        return value

    @model_validator(mode="after")
    def _cross_field(self) -> SubmissionV1:
        errors = semantic_errors(self.model_dump(mode="json", exclude_none=True))
        if errors:
            raise ValueError("; ".join(f"{e.pointer}: {e.message}" for e in errors))
        return self


def submission_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) generated from SubmissionV1, as committed."""
    return SubmissionV1.model_json_schema()


class SchemaError(BaseModel):
    """One reason a submission.json fails strict_v1, at an RFC 6901 pointer ("" = the whole file)."""

    model_config = ConfigDict(frozen=True)

    pointer: str
    message: str


# --------------------------------------------------------------------------- cross-field rules


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _seed_entries(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    results = doc.get("seed_results")
    if not isinstance(results, dict):
        return {}
    return {k: v for k, v in results.items() if isinstance(v, dict)}


def _mean_errors(doc: dict[str, Any]) -> Iterator[SchemaError]:
    entries = _seed_entries(doc)
    scores = [_number(e.get("val_bpb")) for e in entries.values()]
    headline = _number(doc.get("val_bpb"))
    if headline is None or not scores or None in scores:
        return
    mean = math.fsum(s for s in scores if s is not None) / len(scores)
    if abs(mean - headline) > MEAN_TOLERANCE:
        yield SchemaError(
            pointer="/val_bpb",
            message=f"{headline} is not the mean of seed_results val_bpb ({mean:.8f}) within {MEAN_TOLERANCE:g}",
        )


def _seed_set_errors(doc: dict[str, Any]) -> Iterator[SchemaError]:
    seeds = doc.get("seeds")
    results = doc.get("seed_results")
    if not isinstance(seeds, list) or not isinstance(results, dict):
        return
    listed = [s for s in seeds if isinstance(s, int) and not isinstance(s, bool)]
    repeated = sorted({s for s in listed if listed.count(s) > 1})
    if repeated:
        yield SchemaError(pointer="/seeds", message=f"seeds listed more than once: {repeated}")
    keyed = {int(k) for k in results if re.fullmatch(SEED_KEY, k)}
    if len(listed) == len(seeds) and set(listed) != keyed:
        missing, extra = sorted(set(listed) - keyed), sorted(keyed - set(listed))
        parts = [
            f"no seed_results for {missing}" if missing else "",
            f"not in seeds: {extra}" if extra else "",
        ]
        yield SchemaError(
            pointer="/seeds",
            message="seeds and seed_results keys differ: " + "; ".join(p for p in parts if p),
        )


def _size_errors(doc: dict[str, Any]) -> Iterator[SchemaError]:
    total = doc.get("bytes_total")
    if not isinstance(total, int) or isinstance(total, bool):
        return
    sizes = [e.get("artifact_bytes") for e in _seed_entries(doc).values()]
    ints = [s for s in sizes if isinstance(s, int) and not isinstance(s, bool)]
    if ints and len(ints) == len(sizes) and total != max(ints):
        yield SchemaError(
            pointer="/bytes_total",
            message=f"{total} is not the max of seed_results artifact_bytes ({max(ints)})",
        )
    track = load_ruleset().track(doc.get("track")) if isinstance(doc.get("track"), str) else None
    if track is not None and track.max_artifact_bytes < total <= artifact_cap():
        yield SchemaError(
            pointer="/bytes_total",
            message=f"{total} bytes is over the {track.max_artifact_bytes}-byte cap of {track.name}",
        )


def is_placeholder_login(login: str) -> bool:
    """github_id values copied from a template ("YOUR_GITHUB_ID", "your-username", ...)."""
    folded = re.sub(r"[^a-z0-9]", "", login.lower())
    return folded in PLACEHOLDER_LOGINS or folded.startswith("yourgithub")


def _identity_errors(doc: dict[str, Any]) -> Iterator[SchemaError]:
    login = doc.get("github_id")
    # A placeholder that breaks the login pattern already fails the schema; this catches the rest.
    if isinstance(login, str) and is_placeholder_login(login) and re.search(GITHUB_LOGIN, login):
        yield SchemaError(pointer="/github_id", message=f"{json.dumps(login)} is a template placeholder")
    date = doc.get("date")
    if isinstance(date, str) and re.fullmatch(ISO_DATE, date):
        try:
            datetime.fromisoformat(date)
        except ValueError as exc:
            yield SchemaError(pointer="/date", message=f"{json.dumps(date)} is not a real date or time: {exc}")


def semantic_errors(doc: Any) -> list[SchemaError]:
    """Cross-field rules of strict_v1 that JSON Schema cannot state. Tolerates any input shape."""
    if not isinstance(doc, dict):
        return []
    found = [*_mean_errors(doc), *_seed_set_errors(doc), *_size_errors(doc), *_identity_errors(doc)]
    return sorted(found, key=lambda e: (e.pointer, e.message))


# --------------------------------------------------------------------------- fix suggestions

Fix = tuple[str, str]  # (pointer of the error it fixes, what to do)
_STRICT_TRACKS: tuple[str, ...] = get_args(TrackV1)
_NUMERIC_KEYS = (
    "val_bpb",
    "val_loss",
    "bytes_total",
    "bytes_code",
    "val_bpb_std",
    "train_shards",
    "val_tokens",
)
_SEED_NUMERIC_KEYS = ("val_bpb", "val_loss", "artifact_bytes", "steps", "train_time_ms", "eval_time_ms")
_NUMBER_STRING = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


def _renames() -> dict[str, tuple[tuple[str, ...], ...]]:
    """Canonical key -> the aliases the lenient reader accepts for it (none of them strict)."""
    groups = {
        "val_bpb": BPB_ALIASES,
        "val_loss": LOSS_ALIASES,
        "bytes_total": tuple(p for p, basis in SIZE_ALIASES if basis is not SizeBasis.MEAN),
        "bytes_code": CODE_ALIASES,
        "val_bpb_std": STD_ALIASES,
        "github_id": GITHUB_ALIASES,
        "author": AUTHOR_ALIASES,
        "name": NAME_ALIASES,
        "date": DATE_ALIASES,
        "pytorch_version": TORCH_ALIASES,
    }
    return {key: tuple(p for p in paths if p[0] != key) for key, paths in groups.items()}


def _rename_fixes(doc: dict[str, Any]) -> Iterator[Fix]:
    maybe_model_only = {p for p, basis in SIZE_ALIASES if basis is SizeBasis.MAYBE_MODEL_ONLY}
    for key, paths in _renames().items():
        if doc.get(key) is not None:
            continue
        for path in paths:
            found, value = lookup(doc, path)
            if not found or value is None or isinstance(value, dict | list):
                continue
            verb = f"rename {path[0]}" if len(path) == 1 else f"move {'.'.join(path)}"
            caveat = " (only if it counts code plus model bytes)" if path in maybe_model_only else ""
            yield "/" + key, f"{verb} -> {key}{caveat}"
            break


def _derived_fixes(doc: dict[str, Any]) -> Iterator[Fix]:
    """Headline values a file leaves out but can be computed from its own seed_results."""
    entries = _seed_entries(doc)
    scores = [_number(e.get("val_bpb")) for e in entries.values()]
    if "val_bpb" not in doc and entries and None not in scores:
        mean = math.fsum(s for s in scores if s is not None) / len(scores)
        yield "/val_bpb", f"add val_bpb: {mean:.8f} (the mean of seed_results val_bpb)"
    sizes = [e.get("artifact_bytes") for e in entries.values()]
    if "bytes_total" not in doc and entries and all(isinstance(s, int) for s in sizes):
        yield "/bytes_total", f"add bytes_total: {max(s for s in sizes if isinstance(s, int))}"
    keyed = [int(k) for k in entries if re.fullmatch(SEED_KEY, k)]
    if "seeds" not in doc and keyed:
        yield "/seeds", f"add seeds: {json.dumps(keyed)}"


def _track_fixes(doc: dict[str, Any]) -> Iterator[Fix]:
    track = doc.get("track")
    if track is None:
        choices = " or ".join(json.dumps(t) for t in _STRICT_TRACKS)
        yield "/track", f"add track: {choices}"
        return
    resolved = load_ruleset().track(track) if isinstance(track, str) else None
    canonical = resolved.name.removeprefix("track_") if resolved else None
    if canonical in _STRICT_TRACKS and canonical != track:
        yield "/track", f"use track {json.dumps(canonical)} instead of {json.dumps(track)}"


def _seed_fixes(doc: dict[str, Any]) -> Iterator[Fix]:
    seeds, results = doc.get("seeds"), doc.get("seed_results")
    if isinstance(seeds, list) and any(isinstance(s, str) for s in seeds):
        yield "/seeds", "seeds: convert strings to integers"
    if isinstance(seeds, dict) or (isinstance(seeds, list) and any(isinstance(s, dict) for s in seeds)):
        yield "/seeds", "seeds: list the seeds as integers, e.g. [42, 314, 999]"
        if results is None:
            yield "/seed_results", "move the per-seed objects from seeds to seed_results"
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        yield "/seeds", f"seeds: write a list, [{seeds}]"
    if isinstance(results, list):
        yield "/seed_results", 'seed_results: write an object keyed by the decimal seed, e.g. {"42": {...}}'
    if isinstance(results, dict):
        for key in results:
            match = re.fullmatch(r"\s*seed[\s_-]*([0-9]+)\s*", key, re.IGNORECASE)
            if match:
                yield "/seed_results", f"seed_results: use decimal seed keys ({match.group(1)!r} not {key!r})"
        yield from _per_seed_fixes(results)


def _per_seed_fixes(results: dict[str, Any]) -> Iterator[Fix]:
    for key, entry in results.items():
        if not isinstance(entry, dict):
            continue
        for name, aliases in SEED_FIELDS.items():
            if name in entry:
                continue
            alias = next(((a, f) for a, f in aliases if a != name and a in entry), None)
            if alias is not None:
                how = f"rename {alias[0]} -> {name}" if alias[1] == 1 else f"write {name} ({alias[0]} x {alias[1]:g})"
                yield join("/seed_results", key, name), f"seed_results/{key}: {how}"


def _type_fixes(doc: dict[str, Any]) -> Iterator[Fix]:
    targets = [(join("", k), doc.get(k)) for k in _NUMERIC_KEYS]
    for key, entry in _seed_entries(doc).items():
        targets += [(join("/seed_results", key, k), entry.get(k)) for k in _SEED_NUMERIC_KEYS]
    for ptr, value in targets:
        if isinstance(value, str) and _NUMBER_STRING.fullmatch(value.strip()):
            yield (
                ptr,
                f"{ptr[1:]}: write the number {value.strip()} instead of the string {json.dumps(value)}",
            )
    login, author = doc.get("github_id"), doc.get("author")
    if isinstance(login, int) and not isinstance(login, bool):
        yield "/github_id", "github_id: write the login as a string"
    if isinstance(login, str) and is_placeholder_login(login):
        yield "/github_id", f"github_id: replace the template placeholder {json.dumps(login)} with your GitHub login"
    if isinstance(author, dict):
        yield "/author", "author: write the name as a string (and the GitHub login in github_id)"


def _fixes(doc: Any) -> list[Fix]:
    if not isinstance(doc, dict):
        return []
    renames = list(_rename_fixes(doc))
    renamed = {ptr for ptr, _ in renames}
    found = [
        *renames,
        *(f for f in _derived_fixes(doc) if f[0] not in renamed),  # a rename beats a recomputation
        *_track_fixes(doc),
        *_seed_fixes(doc),
        *_type_fixes(doc),
    ]
    return list(dict.fromkeys(found))


def suggest_fixes(doc: Any) -> list[str]:
    """Mechanical edits that move a parsed submission.json toward strict_v1 (the CI gate prints them)."""
    return [text for _, text in _fixes(doc)]


def _attach_fixes(errors: list[SchemaError], fixes: list[Fix]) -> list[SchemaError]:
    """Append each fix to the first error at or under its pointer."""
    unused = list(fixes)
    out: list[SchemaError] = []
    for err in errors:
        mine = [f for f in unused if err.pointer == f[0] or err.pointer.startswith(f[0] + "/")]
        if mine:
            unused = [f for f in unused if f not in mine]
            hint = "; ".join(t for _, t in mine)
            out.append(SchemaError(pointer=err.pointer, message=f"{err.message} (fix: {hint})"))
        else:
            out.append(err)
    return out


# --------------------------------------------------------------------------- validate_file


def _is_int(_checker: object, instance: object) -> bool:
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator() -> Validator:
    from jsonschema import Draft202012Validator, validators

    from pgolf.schemas import schema_dict

    extend: Callable[..., type[Validator]] = validators.extend  # untyped in types-jsonschema

    schema = schema_dict("submission")
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
        keys = [k for k, _ in items]
        duplicates.extend(k for i, k in enumerate(keys) if k in keys[:i])
        return dict(items)

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
    if not path.exists():
        raise UsageError(f"{path}: no such file")
    if path.is_dir():
        return SchemaError(pointer="", message="is a directory, not a submission.json file")
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(data) > MAX_FILE_BYTES:
        return SchemaError(pointer="", message=f"over {MAX_FILE_BYTES} bytes; not a submission.json")
    return data


def validate_bytes(data: bytes) -> list[SchemaError]:
    """strict_v1 errors for file content: decoding, JSON, the committed schema, then cross-field rules."""
    ok, doc, errors = _load(data)
    if not ok:
        return errors
    found = sorted({*_schema_errors(doc), *semantic_errors(doc)}, key=lambda e: (e.pointer, e.message))
    return errors + _attach_fixes(found, _fixes(doc))


def validate_file(path: Path) -> list[SchemaError]:
    """strict_v1 errors for a file; [] when it is valid. A missing file is a UsageError."""
    data = _read_file(path)
    return [data] if isinstance(data, SchemaError) else validate_bytes(data)
