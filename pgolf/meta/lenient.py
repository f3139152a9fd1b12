"""The lenient submission.json reader: what participants wrote, normalised, with every repair logged.

History is messy (ENVIRONMENT.md §4): BOMs, numeric strings, `"pending"` scores, 25+ names for the
artifact size, seeds as objects, seed_results keyed by "seed_42". This reader never raises on
input. Each value it keeps remembers its JSON pointer; each mechanical fix is a `Repair`; anything
it had to pass over is a `MetaProblem`. Whether a claim is *allowed* is for the checks to decide.

This module assembles the `SubmissionMeta` and finds a folder's file; the parts live beside it:
`aliases` (key tables), `coerce` (value conversion), `decode` (bytes to JSON), `seeds`,
`sizes` (bytes_total) and `headline` (scores and identity). Names that callers import from here
are re-exported in `__all__`.
"""

from __future__ import annotations

from typing import Any

from pgolf.errors import InputError
from pgolf.folder import FileEntry, FileRole, SubmissionFolder
from pgolf.meta.aliases import (
    AUTHOR_ALIASES,
    BPB_ALIASES,
    CODE_ALIASES,
    DATE_ALIASES,
    GITHUB_ALIASES,
    HARDWARE_ALIASES,
    KNOWN_KEYS,
    LOSS_ALIASES,
    MODEL_BYTES_KEY,
    NAME_ALIASES,
    SEED_FIELDS,
    SIZE_ALIASES,
    STD_ALIASES,
    STRICT_ONLY_KEYS,
    TORCH_ALIASES,
    Path_,
    SizeBasis,
    lookup,
)
from pgolf.meta.coerce import Coerce, Notes, as_count, claim_first, json_type
from pgolf.meta.decode import decode_text, parse_json, top_object
from pgolf.meta.headline import identity_claims, score_claims
from pgolf.meta.model import MetaProblem, MetaReadResult, SeedClaim, SubmissionMeta
from pgolf.meta.seeds import Drafts, seed_claims
from pgolf.meta.sizes import bytes_total_claim, size_basis

__all__ = [
    "AUTHOR_ALIASES",
    "BPB_ALIASES",
    "CODE_ALIASES",
    "DATE_ALIASES",
    "GITHUB_ALIASES",
    "HARDWARE_ALIASES",
    "KNOWN_KEYS",
    "LOSS_ALIASES",
    "MAX_JSON_BYTES",
    "MODEL_BYTES_KEY",
    "NAME_ALIASES",
    "SEED_FIELDS",
    "SIZE_ALIASES",
    "STD_ALIASES",
    "STRICT_ONLY_KEYS",
    "TORCH_ALIASES",
    "Coerce",
    "Drafts",
    "Path_",
    "SizeBasis",
    "json_type",
    "lookup",
    "read_meta_bytes",
    "read_submission_json",
    "size_basis",
]

MAX_JSON_BYTES = 4 * 1024 * 1024  # the largest real submission.json is ~30 KB; more is not metadata


def _build_meta(notes: Notes, doc: dict[str, Any], path: str) -> SubmissionMeta:
    seeds, drafts = seed_claims(notes, doc)
    code = claim_first(notes, doc, CODE_ALIASES, as_count, "bytes_code")
    claims: dict[str, Any] = {
        **identity_claims(notes, doc),
        **score_claims(notes, doc),
        "bytes_code": code,
        "bytes_total": bytes_total_claim(notes, doc, code, drafts),
    }
    seed_results = {
        s: SeedClaim.model_validate({"seed": s, "pointer": d.pointer, **d.fields}) for s, d in drafts.items()
    }
    unknown = [k for k in doc if k not in KNOWN_KEYS and not MODEL_BYTES_KEY.fullmatch(k)]
    fields = {"path": path, "seeds": seeds, "seed_results": seed_results, "unknown_keys": unknown, **claims}
    return SubmissionMeta.model_validate({**fields, "repairs": list(notes.repairs)})


def read_meta_bytes(data: bytes, path: str) -> MetaReadResult:
    """Read submission.json bytes leniently. Pure; never raises on any input."""
    notes = Notes()
    ok, doc = parse_json(notes, decode_text(notes, data))
    top = top_object(notes, doc) if ok else None
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
