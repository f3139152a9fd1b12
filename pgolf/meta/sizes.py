"""The artifact size claim (bytes_total) and what it counts, from whichever key or keys it was read."""

from __future__ import annotations

import math
from typing import Any

from pgolf.meta.aliases import MODEL_BYTES_KEY, SIZE_ALIASES, SizeBasis, lookup
from pgolf.meta.coerce import Notes, as_count
from pgolf.meta.model import Claimed, SubmissionMeta
from pgolf.meta.pointers import from_path, join
from pgolf.meta.seeds import Drafts


def _model_plus_code(notes: Notes, doc: dict[str, Any], code: Claimed[int] | None) -> Claimed[int] | None:
    for key, value in doc.items():
        if not MODEL_BYTES_KEY.fullmatch(key) or key.endswith("_mean") or value is None:
            continue
        ptr = join("", key)
        model = as_count(notes, value, ptr)
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


def _size_alias(notes: Notes, doc: dict[str, Any], *, means: bool) -> Claimed[int] | None:
    for path, basis in SIZE_ALIASES:
        found, value = lookup(doc, path)
        if (basis is SizeBasis.MEAN) != means or not found or isinstance(value, dict):
            continue  # (artifact_size as an object: its subkeys are the aliases)
        ptr = from_path(path)
        if means and isinstance(value, float) and math.isfinite(value) and value >= 0:
            value = math.ceil(value)  # a mean of byte counts is fractional; round up, never under
        size = as_count(notes, value, ptr)
        if size is None:
            continue
        if path != ("bytes_total",):
            notes.repair(ptr, f"bytes_total read from alias {'.'.join(path)}{_BASIS_NOTES[basis]}")
        return Claimed(value=size, pointer=ptr)
    return None


def bytes_total_claim(
    notes: Notes, doc: dict[str, Any], code: Claimed[int] | None, drafts: Drafts
) -> Claimed[int] | None:
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
