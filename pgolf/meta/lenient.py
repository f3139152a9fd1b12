"""The lenient submission.json reader: what participants wrote, normalised, with every repair logged.

History is messy (ENVIRONMENT.md §4): BOMs, numeric strings, `"pending"` scores, 25+ names for the
artifact size, seeds as objects, seed_results keyed by "seed_42". This reader never raises on
input. Each value it keeps remembers its JSON pointer; each mechanical fix is a `Repair`; anything
it had to pass over is a `MetaProblem`. Whether a claim is *allowed* is for the checks to decide.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, TypeVar

from pgolf.errors import InputError
from pgolf.folder import FileEntry, FileRole, SubmissionFolder
from pgolf.meta.model import Claimed, MetaProblem, MetaReadResult, Repair, SeedClaim, SubmissionMeta
from pgolf.meta.pointers import from_path, join

T = TypeVar("T")
Path_ = tuple[str, ...]
Coerce = Callable[["_Notes", Any, str], T | None]

MAX_JSON_BYTES = 4 * 1024 * 1024  # the largest real submission.json is ~30 KB; more is not metadata
_MAX_DUPLICATE_NOTES = 10
_BOM = "\ufeff"


class SizeBasis(StrEnum):
    """What the number behind `bytes_total` counts, judged from the key it was read from."""

    TOTAL = "total"  # code + compressed model, as the SIZE-CAP rule counts
    MAYBE_MODEL_ONLY = "maybe_model_only"  # keys that some authors use for the model blob alone
    MODEL_ONLY = "model_only"  # bytes_model_*: the compressed model, no code
    MODEL_PLUS_CODE = "model_plus_code"  # bytes_model_* + bytes_code, summed by this reader
    MEAN = "mean"  # a mean over seeds: one seed may still be over the cap
    SEED_MAX = "seed_max"  # the max of seed_results artifact_bytes, computed by this reader


# Preference order for the headline artifact size. ENVIRONMENT.md §4.3: artifact_bytes, total_bytes,
# artifact_size_bytes and artifact_bytes_max "sometimes mean model-only bytes".
SIZE_ALIASES: tuple[tuple[Path_, SizeBasis], ...] = (
    (("bytes_total",), SizeBasis.TOTAL),
    (("total_submission_bytes_max",), SizeBasis.TOTAL),
    (("total_submission_bytes",), SizeBasis.TOTAL),
    (("bytes_total_max",), SizeBasis.TOTAL),
    (("total_artifact_bytes",), SizeBasis.TOTAL),
    (("submission_bytes",), SizeBasis.TOTAL),
    (("submission_size_bytes",), SizeBasis.TOTAL),
    (("artifact_size", "max_observed_total_bytes"), SizeBasis.TOTAL),
    (("results", "bytes_total"), SizeBasis.TOTAL),
    (("artifact_bytes_max",), SizeBasis.MAYBE_MODEL_ONLY),
    (("artifact_bytes",), SizeBasis.MAYBE_MODEL_ONLY),
    (("total_bytes",), SizeBasis.MAYBE_MODEL_ONLY),
    (("artifact_size_bytes",), SizeBasis.MAYBE_MODEL_ONLY),
    (("artifact_size",), SizeBasis.MAYBE_MODEL_ONLY),
    (("bytes_total_mean",), SizeBasis.MEAN),
    (("artifact_bytes_mean",), SizeBasis.MEAN),
)
# Model-only byte counts (bytes_model_int8_zlib, bytes_model_int6_lzma, model_bytes, ...).
MODEL_BYTES_KEY = re.compile(r"^(?:bytes_model(?:_[A-Za-z0-9]+)*|model_bytes|compressed_model_bytes)$")

BPB_ALIASES: tuple[Path_, ...] = (
    ("val_bpb",),
    ("val_bpb", "mean"),
    ("mean_val_bpb",),
    ("val_bpb_mean",),
    ("val_bpb_3seed_mean",),
    ("mean_bpb",),
    ("results", "mean_val_bpb"),
    ("results", "val_bpb"),
    ("results", "val_bpb_mean"),
)
LOSS_ALIASES: tuple[Path_, ...] = (
    ("val_loss",),
    ("val_loss", "mean"),
    ("mean_val_loss",),
    ("val_loss_mean",),
    ("results", "mean_val_loss"),
    ("results", "val_loss"),
)
STD_ALIASES: tuple[Path_, ...] = (("val_bpb_std",), ("std_val_bpb",), ("std_bpb",), ("val_bpb_stddev",))
CODE_ALIASES: tuple[Path_, ...] = (
    ("bytes_code",),
    ("code_bytes",),
    ("artifact_size", "code_bytes"),
    ("train_gpt_py_bytes",),
)
AUTHOR_ALIASES: tuple[Path_, ...] = (("author",), ("authors",), ("team_or_author",), ("team_name",))
GITHUB_ALIASES: tuple[Path_, ...] = (("github_id",), ("github",), ("github_username",), ("github_user",))
NAME_ALIASES: tuple[Path_, ...] = (("name",), ("run_name",), ("submission_name",))
DATE_ALIASES: tuple[Path_, ...] = (("date",), ("submission_date",))
HARDWARE_ALIASES: tuple[Path_, ...] = (("hardware",), ("gpu",))
TORCH_ALIASES: tuple[Path_, ...] = (("pytorch_version",), ("torch_version",))

# Per-seed fields: canonical name -> (key as written, factor to the canonical unit).
SEED_FIELDS: dict[str, tuple[tuple[str, float], ...]] = {
    "val_bpb": (("val_bpb", 1),),
    "val_loss": (("val_loss", 1),),
    "artifact_bytes": (
        ("artifact_bytes", 1),
        ("bytes_total", 1),
        ("total_bytes", 1),
        ("artifact_size", 1),
        ("artifact_size_bytes", 1),
    ),
    "train_time_ms": (
        ("train_time_ms", 1),
        ("train_time_s", 1000),
        ("train_time_seconds", 1000),
        ("train_s", 1000),
    ),
    "eval_time_ms": (
        ("eval_time_ms", 1),
        ("eval_time_s", 1000),
        ("eval_time_seconds", 1000),
        ("eval_s", 1000),
        ("ttt_eval_time_ms", 1),
        ("ttt_eval_time_s", 1000),
    ),
    "steps": (("steps", 1), ("step_stop", 1), ("train_steps", 1)),
    "log": (("log", 1), ("log_file", 1), ("train_log", 1)),
}
_SEED_KINDS: dict[str, Literal["float", "int", "str"]] = {
    "val_bpb": "float",
    "val_loss": "float",
    "artifact_bytes": "int",
    "train_time_ms": "float",
    "eval_time_ms": "float",
    "steps": "int",
    "log": "str",
}
# ASCII digits only: "٤٢" is not a seed anyone wrote on purpose.
_SEED_KEY = re.compile(r"\s*(?:seed[\s_-]*)?(\d{1,12})\s*", re.IGNORECASE | re.ASCII)
_NUMBER_TEXT = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?\s*", re.ASCII)
_INT_TEXT = re.compile(r"\s*(?:\d{1,30}|\d{1,3}(?:,\d{3}){1,9}|\d{1,3}(?:_\d{3}){1,9})(?:\.0*)?\s*", re.ASCII)
_GITHUB_URL = re.compile(r"\s*(?:https?://)?(?:www\.)?github\.com/([^/\s]+)/?\s*", re.IGNORECASE)

# Keys of the strict schema (pgolf.meta.strict) the reader does not interpret, so they are not "unknown".
STRICT_ONLY_KEYS = frozenset(
    {
        "track",
        "seeds",
        "seed_results",
        "blurb",
        "cuda_version",
        "flash_attn_version",
        "dataset",
        "dataset_repo",
        "train_shards",
        "val_tokens",
        "score_line",
    }
)
_OTHER_READ_KEYS = frozenset({"seed", "val_bpb_seeds", "seed_scores", "results"})


def _known_keys() -> frozenset[str]:
    alias_groups = (
        *(p for p, _ in SIZE_ALIASES),
        *BPB_ALIASES,
        *LOSS_ALIASES,
        *STD_ALIASES,
        *CODE_ALIASES,
        *AUTHOR_ALIASES,
        *GITHUB_ALIASES,
        *NAME_ALIASES,
        *DATE_ALIASES,
        *HARDWARE_ALIASES,
        *TORCH_ALIASES,
    )
    return frozenset(p[0] for p in alias_groups) | STRICT_ONLY_KEYS | _OTHER_READ_KEYS


KNOWN_KEYS = _known_keys()


# --------------------------------------------------------------------------- notes and coercion


@dataclass
class _Notes:
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


def _show(value: object) -> str:
    """A short rendering of a value for a message (long strings are cut)."""
    if value is None:
        return "null (no value given)"
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 60 else value[:57] + "...")
    return json_type(value)


def _as_float(notes: _Notes, value: Any, ptr: str) -> float | None:
    if isinstance(value, str):
        if not _NUMBER_TEXT.fullmatch(value):
            notes.problem(ptr, f"{_show(value)} is not a number")
            return None
        notes.repair(ptr, f"parsed numeric string {_show(value)}")
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        notes.problem(ptr, f"expected a number, found {_show(value)}")
        return None
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        notes.problem(ptr, f"{value!r} is not a finite number")
        return None
    return number


def _as_count(notes: _Notes, value: Any, ptr: str) -> int | None:
    """A non-negative integer (byte counts, steps, seeds), repairing strings and integral floats."""
    if isinstance(value, str):
        if not _INT_TEXT.fullmatch(value):
            notes.problem(ptr, f"{_show(value)} is not a whole number")
            return None
        notes.repair(ptr, f"parsed integer string {_show(value)}")
        return int(value.strip().replace(",", "").replace("_", "").split(".")[0])
    if isinstance(value, bool) or not isinstance(value, int | float):
        notes.problem(ptr, f"expected a whole number, found {_show(value)}")
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


def _as_score(notes: _Notes, value: Any, ptr: str) -> float | None:
    """A headline score; an object in val_bpb/val_loss holds per-seed values, read elsewhere."""
    if isinstance(value, dict) and ptr in ("/val_bpb", "/val_loss"):
        return None
    return _as_float(notes, value, ptr)


def _as_text(notes: _Notes, value: Any, ptr: str) -> str | None:
    if isinstance(value, str):
        if not value.strip():
            notes.problem(ptr, "empty string")
            return None
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        notes.repair(ptr, f"converted number {value!r} to a string")
        return str(value)
    notes.problem(ptr, f"expected a string, found {_show(value)}")
    return None


def lookup(doc: dict[str, Any], path: Path_) -> tuple[bool, Any]:
    """(found, value) at a path of object keys; found is False when any step is missing."""
    node: Any = doc
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return False, None
        node = node[key]
    return True, node


def _claim_first(
    notes: _Notes,
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


# --------------------------------------------------------------------------- decoding


def _decode(notes: _Notes, data: bytes) -> str:
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


def _parse(notes: _Notes, text: str) -> tuple[bool, Any]:
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
        notes.problem("", f"duplicate key {_show(key)} in a JSON object; the last value is used")
    return True, doc


def _top_object(notes: _Notes, doc: Any) -> dict[str, Any] | None:
    if isinstance(doc, dict):
        return doc
    if isinstance(doc, list) and len(doc) == 1 and isinstance(doc[0], dict):
        notes.repair("/0", "unwrapped a one-element array around the submission object")
        return doc[0]
    notes.problem("", f"the top level is {_show(doc)}, not a JSON object")
    return None


# --------------------------------------------------------------------------- seeds


@dataclass
class _SeedDraft:
    pointer: str
    fields: dict[str, Claimed[Any]] = field(default_factory=dict)


Drafts = dict[int, _SeedDraft]


def _seed_of_key(notes: _Notes, key: str, ptr: str) -> int | None:
    match = _SEED_KEY.fullmatch(key)
    if match is None:
        notes.problem(ptr, f"key {_show(key)} is not a seed number")
        return None
    if match.group(1) != key:
        notes.repair(ptr, f"read seed {int(match.group(1))} from key {_show(key)}")
    return int(match.group(1))


def _coerce_kind(kind: Literal["float", "int", "str"]) -> Coerce[Any]:
    if kind == "float":
        return _as_float
    return _as_count if kind == "int" else _as_text


def _seed_fields(notes: _Notes, entry: dict[str, Any], ptr: str) -> dict[str, Claimed[Any]]:
    """The per-seed claims of one seed object, converting seconds to milliseconds where needed."""
    out: dict[str, Claimed[Any]] = {}
    for name, aliases in SEED_FIELDS.items():
        for key, factor in aliases:
            if key not in entry:
                continue
            key_ptr = join(ptr, key)
            value = _coerce_kind(_SEED_KINDS[name])(notes, entry[key], key_ptr)
            if value is None:
                continue
            if factor != 1:
                value = round(value * factor, 3)
                notes.repair(key_ptr, f"{name} converted from {key} (x{factor:g})")
            elif key != name:
                notes.repair(key_ptr, f"{name} read from alias {key}")
            out[name] = Claimed(value=value, pointer=key_ptr)
            break
    return out


def _add_draft(notes: _Notes, drafts: Drafts, seed: int, draft: _SeedDraft) -> None:
    if seed in drafts:
        notes.problem(draft.pointer, f"seed {seed} appears again (first at {drafts[seed].pointer}); ignored")
        return
    drafts[seed] = draft


def _draft_from_value(notes: _Notes, value: Any, ptr: str) -> _SeedDraft | None:
    if isinstance(value, dict):
        return _SeedDraft(ptr, _seed_fields(notes, value, ptr))
    bpb = _as_float(notes, value, ptr)
    if bpb is None:
        return None
    notes.repair(ptr, "per-seed value is a bare number; read as val_bpb")
    return _SeedDraft(ptr, {"val_bpb": Claimed(value=bpb, pointer=ptr)})


def _drafts_from_object(notes: _Notes, obj: dict[str, Any], ptr: str) -> Drafts:
    drafts: Drafts = {}
    for key, value in obj.items():
        entry_ptr = join(ptr, key)
        seed = _seed_of_key(notes, key, entry_ptr)
        draft = _draft_from_value(notes, value, entry_ptr) if seed is not None else None
        if seed is not None and draft is not None:
            _add_draft(notes, drafts, seed, draft)
    return drafts


def _drafts_from_array(notes: _Notes, items: list[Any], ptr: str) -> Drafts:
    drafts: Drafts = {}
    for index, item in enumerate(items):
        entry_ptr = join(ptr, index)
        if not isinstance(item, dict) or "seed" not in item:
            notes.problem(entry_ptr, f"expected an object with a seed key, found {_show(item)}")
            continue
        seed = _as_count(notes, item["seed"], join(entry_ptr, "seed"))
        if seed is not None:
            _add_draft(notes, drafts, seed, _SeedDraft(entry_ptr, _seed_fields(notes, item, entry_ptr)))
    return drafts


def _drafts_from(notes: _Notes, value: Any, ptr: str) -> Drafts | None:
    """Per-seed results from an object keyed by seed or an array of objects with a seed key."""
    if isinstance(value, dict):
        return _drafts_from_object(notes, value, ptr)
    if isinstance(value, list):
        if ptr == "/seed_results":
            notes.repair(ptr, "seed_results is an array; entries keyed by their seed")
        return _drafts_from_array(notes, value, ptr)
    notes.problem(ptr, f"expected an object keyed by seed, found {_show(value)}")
    return None


def _seed_result_drafts(notes: _Notes, doc: dict[str, Any]) -> Drafts:
    """Full per-seed results: seed_results, else `seeds` written as objects, else results.seed_results."""
    if "seed_results" in doc:
        drafts = _drafts_from(notes, doc["seed_results"], "/seed_results")
        if drafts:
            return drafts
    seeds = doc.get("seeds")
    if isinstance(seeds, dict) or (isinstance(seeds, list) and any(isinstance(s, dict) for s in seeds)):
        drafts = _drafts_from(notes, seeds, "/seeds")
        if drafts:
            notes.repair("/seeds", "per-seed results read from seeds (written as objects)")
            return drafts
    found, nested = lookup(doc, ("results", "seed_results"))
    if found:
        drafts = _drafts_from(notes, nested, "/results/seed_results")
        if drafts:
            notes.repair("/results/seed_results", "per-seed results read from results.seed_results")
            return drafts
    return {}


def _fill(notes: _Notes, drafts: Drafts, values: dict[int, Claimed[float]], name: str, source: str) -> None:
    """Add per-seed scores written outside seed_results, never overriding seed_results itself."""
    for seed, claim in values.items():
        draft = drafts.setdefault(seed, _SeedDraft(claim.pointer))
        if name not in draft.fields:
            draft.fields[name] = claim
            notes.repair(claim.pointer, f"{name} of seed {seed} read from {source}")


def _per_seed_objects(notes: _Notes, doc: dict[str, Any], key: str) -> dict[int, Claimed[float]]:
    """Per-seed scores written as {"42": 1.08, ...} (in val_bpb, val_loss or val_bpb_seeds)."""
    obj = doc.get(key)
    out: dict[int, Claimed[float]] = {}
    if not isinstance(obj, dict) or not any(_SEED_KEY.fullmatch(k) for k in obj):
        return out  # not per-seed (e.g. {"mean": ..., "std": ...}, read through the aliases)
    for seed_key, value in obj.items():
        ptr = join("/" + key, seed_key)
        seed = _seed_of_key(notes, seed_key, ptr)
        number = _as_float(notes, value, ptr) if seed is not None else None
        if seed is not None and number is not None:
            out[seed] = Claimed(value=number, pointer=ptr)
    return out


def _parallel_scores(notes: _Notes, doc: dict[str, Any], seeds: list[Claimed[int]]) -> dict[int, Claimed[float]]:
    """`seed_scores: [1.09, ...]` parallel to `seeds: [42, ...]`, used only when the lengths agree."""
    scores = doc.get("seed_scores")
    if not isinstance(scores, list) or len(scores) != len(seeds):
        return {}
    out: dict[int, Claimed[float]] = {}
    for index, (seed, value) in enumerate(zip(seeds, scores, strict=True)):
        number = _as_float(notes, value, join("/seed_scores", index))
        if number is not None:
            out[seed.value] = Claimed(value=number, pointer=join("/seed_scores", index))
    return out


def _seed_list_item(notes: _Notes, item: Any, ptr: str) -> Claimed[int] | None:
    if isinstance(item, dict):
        if "seed" not in item:
            notes.problem(ptr, "seed object has no seed key")
            return None
        ptr = join(ptr, "seed")
        item = item["seed"]
    seed = _as_count(notes, item, ptr)
    return None if seed is None else Claimed(value=seed, pointer=ptr)


def _seeds_from_keys(notes: _Notes, seeds: dict[str, Any], drafts: Drafts) -> list[Claimed[int]]:
    # When the per-seed results were read from this same object, its keys were already reported on.
    scratch = _Notes()
    found = [(join("/seeds", k), _seed_of_key(scratch, k, join("/seeds", k))) for k in seeds]
    if not any(d.pointer.startswith("/seeds/") for d in drafts.values()):
        notes.repairs.extend(scratch.repairs)
        notes.problems.extend(scratch.problems)
    notes.repair("/seeds", "seeds is an object; seeds read from its keys")
    return [Claimed(value=seed, pointer=ptr) for ptr, seed in found if seed is not None]


def _seed_list(notes: _Notes, doc: dict[str, Any], drafts: Drafts) -> list[Claimed[int]]:
    """The claimed seeds: `seeds` in any of its shapes, else `seed`, else the seed_results keys."""
    seeds = doc.get("seeds")
    if isinstance(seeds, list):
        found = [_seed_list_item(notes, item, join("/seeds", i)) for i, item in enumerate(seeds)]
        return [s for s in found if s is not None]
    if isinstance(seeds, dict):
        return _seeds_from_keys(notes, seeds, drafts)
    if seeds is None and "seeds" in doc:
        notes.problem("/seeds", "seeds is null")
    elif seeds is not None:
        claim = _seed_list_item(notes, seeds, "/seeds")
        if claim is not None:
            notes.repair("/seeds", "seeds is a single value; read as a one-seed list")
        return [] if claim is None else [claim]
    if "seed" in doc:
        claim = _seed_list_item(notes, doc["seed"], "/seed")
        if claim is not None:
            notes.repair("/seed", "seeds read from the single key seed")
            return [claim]
    if drafts:
        source = next(iter(drafts.values())).pointer.rsplit("/", 1)[0]  # where the seeds were found
        notes.repair(source, "no seeds key; seeds taken from the per-seed results")
    return [Claimed(value=seed, pointer=d.pointer) for seed, d in drafts.items()]


# --------------------------------------------------------------------------- headline fields


def _mean_of(values: Iterable[float]) -> float | None:
    items = list(values)
    mean = math.fsum(items) / len(items) if items else None
    return mean if mean is not None and math.isfinite(mean) else None


def _headline_from_object(notes: _Notes, doc: dict[str, Any], key: str) -> Claimed[float] | None:
    """A headline written as an object of per-seed values: use their mean, and say so."""
    # The object's entries were already read (and reported on) as per-seed claims; reread quietly.
    per_seed = _per_seed_objects(_Notes(), doc, key)
    mean = _mean_of(c.value for c in per_seed.values())
    if mean is None:
        return None
    notes.repair("/" + key, f"{key} is an object of per-seed values; headline is their mean")
    return Claimed(value=mean, pointer="/" + key)


def _model_plus_code(notes: _Notes, doc: dict[str, Any], code: Claimed[int] | None) -> Claimed[int] | None:
    for key, value in doc.items():
        if not MODEL_BYTES_KEY.fullmatch(key) or key.endswith("_mean") or value is None:
            continue
        ptr = join("", key)
        model = _as_count(notes, value, ptr)
        if model is None:
            continue
        if code is None:
            notes.repair(ptr, f"bytes_total read from {key}: model bytes only, no code bytes given")
            return Claimed(value=model, pointer=ptr)
        notes.repair(ptr, f"bytes_total = {key} + {code.pointer[1:]} (model plus code bytes)")
        return Claimed(value=model + code.value, pointer=ptr)
    return None


_BASIS_NOTES = {
    SizeBasis.TOTAL: "",
    SizeBasis.MAYBE_MODEL_ONLY: " (this key sometimes counts model bytes only)",
    SizeBasis.MEAN: " (a mean over seeds, not the max; rounded up to whole bytes)",
}


def _size_alias(notes: _Notes, doc: dict[str, Any], *, means: bool) -> Claimed[int] | None:
    for path, basis in SIZE_ALIASES:
        found, value = lookup(doc, path)
        if (basis is SizeBasis.MEAN) != means or not found or isinstance(value, dict):
            continue  # (artifact_size as an object: its subkeys are the aliases)
        ptr = from_path(path)
        if means and isinstance(value, float) and math.isfinite(value) and value >= 0:
            value = math.ceil(value)  # a mean of byte counts is fractional; round up, never under
        size = _as_count(notes, value, ptr)
        if size is None:
            continue
        if path != ("bytes_total",):
            notes.repair(ptr, f"bytes_total read from alias {'.'.join(path)}{_BASIS_NOTES[basis]}")
        return Claimed(value=size, pointer=ptr)
    return None


def _bytes_total(notes: _Notes, doc: dict[str, Any], code: Claimed[int] | None, drafts: Drafts) -> Claimed[int] | None:
    """A size alias, else bytes_model_* (+ bytes_code), else the per-seed max, else a mean alias."""
    claim = _size_alias(notes, doc, means=False) or _model_plus_code(notes, doc, code)
    if claim is not None:
        return claim
    sizes = [d.fields["artifact_bytes"] for d in drafts.values() if "artifact_bytes" in d.fields]
    if not sizes:
        return _size_alias(notes, doc, means=True)
    largest = max(sizes, key=lambda c: int(c.value))
    notes.repair(largest.pointer, "bytes_total is the max of the per-seed artifact sizes")
    return Claimed(value=int(largest.value), pointer=largest.pointer)


def size_basis(meta: SubmissionMeta) -> SizeBasis | None:
    """What meta.bytes_total counts, from the key it was read from (for a size check's message)."""
    if meta.bytes_total is None:
        return None
    ptr = meta.bytes_total.pointer
    for path, basis in SIZE_ALIASES:
        if ptr == from_path(path):
            return basis
    if MODEL_BYTES_KEY.fullmatch(ptr[1:]):
        return SizeBasis.MODEL_ONLY if meta.bytes_code is None else SizeBasis.MODEL_PLUS_CODE
    return SizeBasis.SEED_MAX


def _author(notes: _Notes, doc: dict[str, Any]) -> tuple[Claimed[str] | None, Claimed[str] | None]:
    """(author, github login from an author object) — author may be a string, object or list."""
    value = doc.get("author")
    if isinstance(value, dict):
        notes.repair("/author", "author is an object; name read from author.name")
        name = _claim_first(notes, value, [("name",), ("login",)], _as_text, "name", base="/author")
        logins = [("github",), ("github_id",), ("login",)]
        login = _claim_first(notes, value, logins, _as_text, "github", base="/author")
        return name, login
    for key in ("author", "authors"):
        names = doc.get(key)
        if isinstance(names, list) and names and all(isinstance(n, str) for n in names):
            notes.repair("/" + key, f"{key} is a list; names joined with commas")
            return Claimed(value=", ".join(names), pointer="/" + key), None
    return _claim_first(notes, doc, AUTHOR_ALIASES, _as_text, "author"), None


def _github_login(notes: _Notes, claim: Claimed[str] | None) -> Claimed[str] | None:
    """Strip an `@` or a github.com URL around a login; the login pattern itself is the strict gate."""
    if claim is None:
        return None
    url = _GITHUB_URL.fullmatch(claim.value)
    login = url.group(1) if url else claim.value.strip().removeprefix("@")
    if login != claim.value:
        notes.repair(claim.pointer, f"github_id {_show(login)} extracted from {_show(claim.value)}")
        return Claimed(value=login, pointer=claim.pointer)
    return claim


def _hardware_text(notes: _Notes, value: Any, ptr: str) -> str | None:
    if isinstance(value, dict | list):
        notes.repair(ptr, f"hardware is an {json_type(value)}; kept as compact JSON text")
        try:
            return json.dumps(value, separators=(",", ":"), sort_keys=True)[:500]
        except (RecursionError, ValueError):  # nested deeper than the encoder recurses
            return f"<{json_type(value)} nested too deeply to show>"
    return _as_text(notes, value, ptr)


# --------------------------------------------------------------------------- assembly


def _seed_claims(notes: _Notes, doc: dict[str, Any]) -> tuple[list[Claimed[int]], Drafts]:
    drafts = _seed_result_drafts(notes, doc)
    _fill(notes, drafts, _per_seed_objects(notes, doc, "val_bpb"), "val_bpb", "the val_bpb object")
    _fill(notes, drafts, _per_seed_objects(notes, doc, "val_bpb_seeds"), "val_bpb", "val_bpb_seeds")
    _fill(notes, drafts, _per_seed_objects(notes, doc, "val_loss"), "val_loss", "the val_loss object")
    seeds = _seed_list(notes, doc, drafts)
    _fill(notes, drafts, _parallel_scores(notes, doc, seeds), "val_bpb", "seed_scores (parallel to seeds)")
    return seeds, drafts


def _score_claims(notes: _Notes, doc: dict[str, Any]) -> dict[str, Claimed[Any] | None]:
    bpb = _claim_first(notes, doc, BPB_ALIASES, _as_score, "val_bpb")
    bpb = bpb or _headline_from_object(notes, doc, "val_bpb")
    loss = _claim_first(notes, doc, LOSS_ALIASES, _as_score, "val_loss")
    loss = loss or _headline_from_object(notes, doc, "val_loss")
    if bpb is None:
        only_loss = " (only val_loss is given)" if loss is not None else ""
        notes.problem("/val_bpb", f"no usable val_bpb or alias (mean_val_bpb, val_bpb_mean, ...){only_loss}")
    std = _claim_first(notes, doc, STD_ALIASES, _as_float, "val_bpb_std")
    return {"val_bpb": bpb, "val_loss": loss, "val_bpb_std": std}


def _identity_claims(notes: _Notes, doc: dict[str, Any]) -> dict[str, Claimed[Any] | None]:
    author, login_from_author = _author(notes, doc)
    login = _claim_first(notes, doc, GITHUB_ALIASES, _as_text, "github_id") or login_from_author
    return {
        "author": author,
        "github_id": _github_login(notes, login),
        "name": _claim_first(notes, doc, NAME_ALIASES, _as_text, "name"),
        "date": _claim_first(notes, doc, DATE_ALIASES, _as_text, "date"),
        "track": _claim_first(notes, doc, [("track",)], _as_text, "track"),
        "hardware": _claim_first(notes, doc, HARDWARE_ALIASES, _hardware_text, "hardware"),
        "pytorch_version": _claim_first(notes, doc, TORCH_ALIASES, _as_text, "pytorch_version"),
    }


def _build_meta(notes: _Notes, doc: dict[str, Any], path: str) -> SubmissionMeta:
    seeds, drafts = _seed_claims(notes, doc)
    code = _claim_first(notes, doc, CODE_ALIASES, _as_count, "bytes_code")
    claims: dict[str, Any] = {
        **_identity_claims(notes, doc),
        **_score_claims(notes, doc),
        "bytes_code": code,
        "bytes_total": _bytes_total(notes, doc, code, drafts),
    }
    seed_results = {
        s: SeedClaim.model_validate({"seed": s, "pointer": d.pointer, **d.fields}) for s, d in drafts.items()
    }
    unknown = [k for k in doc if k not in KNOWN_KEYS and not MODEL_BYTES_KEY.fullmatch(k)]
    fields = {"path": path, "seeds": seeds, "seed_results": seed_results, "unknown_keys": unknown, **claims}
    return SubmissionMeta.model_validate({**fields, "repairs": list(notes.repairs)})


def read_meta_bytes(data: bytes, path: str) -> MetaReadResult:
    """Read submission.json bytes leniently. Pure; never raises on any input."""
    notes = _Notes()
    ok, doc = _parse(notes, _decode(notes, data))
    top = _top_object(notes, doc) if ok else None
    meta = _build_meta(notes, top, path) if top is not None else None
    return MetaReadResult(path=path, meta=meta, problems=notes.problems)


# --------------------------------------------------------------------------- folder entry point


def _choose(entries: list[FileEntry]) -> tuple[FileEntry, list[FileEntry]]:
    """submission.json at the top level, else the single (or first) top-level submission*.json."""
    top = [e for e in entries if "/" not in e.path] or entries
    preferred = next((e for e in top if e.path == "submission.json"), None)
    preferred = preferred or next((e for e in top if e.name.lower() == "submission.json"), top[0])
    return preferred, [e for e in entries if e is not preferred]


def read_submission_json(folder: SubmissionFolder) -> MetaReadResult | None:
    """The folder's submission*.json, read leniently; None when the folder has none."""
    entries = sorted(folder.by_role(FileRole.SUBMISSION_JSON), key=lambda e: (e.path.count("/"), e.path))
    if not entries:
        return None
    chosen, others = _choose(entries)
    try:
        data = folder.read_bytes(chosen, cap=MAX_JSON_BYTES)
    except (InputError, OSError) as exc:
        problem = MetaProblem(pointer="", message=f"cannot read {chosen.path}: {exc}")
        return MetaReadResult(path=chosen.path, meta=None, problems=[problem])
    result = read_meta_bytes(data, chosen.path)
    if others:
        names = ", ".join(e.path for e in others)
        message = f"several submission*.json files; read {chosen.path}, not {names}"
        result.problems.insert(0, MetaProblem(pointer="", message=message))
    return result
