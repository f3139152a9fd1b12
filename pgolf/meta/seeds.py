"""Seeds and per-seed results in every shape they were written: lists, objects, keys like "seed_42".

`seed_claims` gathers the per-seed results (seed_results, `seeds` written as objects,
results.seed_results, per-seed score objects, seed_scores) and the list of claimed seeds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from pgolf.meta.aliases import SEED_FIELDS, lookup
from pgolf.meta.coerce import Coerce, Notes, as_count, as_float, as_text, show
from pgolf.meta.model import Claimed
from pgolf.meta.pointers import join

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


@dataclass
class _SeedDraft:
    pointer: str
    fields: dict[str, Claimed[Any]] = field(default_factory=dict)


Drafts = dict[int, _SeedDraft]


def _seed_of_key(notes: Notes, key: str, ptr: str) -> int | None:
    match = _SEED_KEY.fullmatch(key)
    if match is None:
        notes.problem(ptr, f"key {show(key)} is not a seed number")
        return None
    if match.group(1) != key:
        notes.repair(ptr, f"read seed {int(match.group(1))} from key {show(key)}")
    return int(match.group(1))


def _coerce_kind(kind: Literal["float", "int", "str"]) -> Coerce[Any]:
    if kind == "float":
        return as_float
    return as_count if kind == "int" else as_text


def _seed_fields(notes: Notes, entry: dict[str, Any], ptr: str) -> dict[str, Claimed[Any]]:
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


def _add_draft(notes: Notes, drafts: Drafts, seed: int, draft: _SeedDraft) -> None:
    if seed in drafts:
        notes.problem(draft.pointer, f"seed {seed} appears again (first at {drafts[seed].pointer}); ignored")
        return
    drafts[seed] = draft


def _draft_from_value(notes: Notes, value: Any, ptr: str) -> _SeedDraft | None:
    if isinstance(value, dict):
        return _SeedDraft(ptr, _seed_fields(notes, value, ptr))
    bpb = as_float(notes, value, ptr)
    if bpb is None:
        return None
    notes.repair(ptr, "per-seed value is a bare number; read as val_bpb")
    return _SeedDraft(ptr, {"val_bpb": Claimed(value=bpb, pointer=ptr)})


def _drafts_from_object(notes: Notes, obj: dict[str, Any], ptr: str) -> Drafts:
    drafts: Drafts = {}
    for key, value in obj.items():
        entry_ptr = join(ptr, key)
        seed = _seed_of_key(notes, key, entry_ptr)
        draft = _draft_from_value(notes, value, entry_ptr) if seed is not None else None
        if seed is not None and draft is not None:
            _add_draft(notes, drafts, seed, draft)
    return drafts


def _drafts_from_array(notes: Notes, items: list[Any], ptr: str) -> Drafts:
    drafts: Drafts = {}
    for index, item in enumerate(items):
        entry_ptr = join(ptr, index)
        if not isinstance(item, dict) or "seed" not in item:
            notes.problem(entry_ptr, f"expected an object with a seed key, found {show(item)}")
            continue
        seed = as_count(notes, item["seed"], join(entry_ptr, "seed"))
        if seed is not None:
            _add_draft(notes, drafts, seed, _SeedDraft(entry_ptr, _seed_fields(notes, item, entry_ptr)))
    return drafts


def _drafts_from(notes: Notes, value: Any, ptr: str) -> Drafts | None:
    """Per-seed results from an object keyed by seed or an array of objects with a seed key."""
    if isinstance(value, dict):
        return _drafts_from_object(notes, value, ptr)
    if isinstance(value, list):
        if ptr == "/seed_results":
            notes.repair(ptr, "seed_results is an array; entries keyed by their seed")
        return _drafts_from_array(notes, value, ptr)
    notes.problem(ptr, f"expected an object keyed by seed, found {show(value)}")
    return None


def _seed_result_drafts(notes: Notes, doc: dict[str, Any]) -> Drafts:
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


def _fill(notes: Notes, drafts: Drafts, values: dict[int, Claimed[float]], name: str, source: str) -> None:
    """Add per-seed scores written outside seed_results, never overriding seed_results itself."""
    for seed, claim in values.items():
        draft = drafts.setdefault(seed, _SeedDraft(claim.pointer))
        if name not in draft.fields:
            draft.fields[name] = claim
            notes.repair(claim.pointer, f"{name} of seed {seed} read from {source}")


def per_seed_objects(notes: Notes, doc: dict[str, Any], key: str) -> dict[int, Claimed[float]]:
    """Per-seed scores written as {"42": 1.08, ...} (in val_bpb, val_loss or val_bpb_seeds)."""
    obj = doc.get(key)
    out: dict[int, Claimed[float]] = {}
    if not isinstance(obj, dict) or not any(_SEED_KEY.fullmatch(k) for k in obj):
        return out  # not per-seed (e.g. {"mean": ..., "std": ...}, read through the aliases)
    for seed_key, value in obj.items():
        ptr = join("/" + key, seed_key)
        seed = _seed_of_key(notes, seed_key, ptr)
        number = as_float(notes, value, ptr) if seed is not None else None
        if seed is not None and number is not None:
            out[seed] = Claimed(value=number, pointer=ptr)
    return out


def _parallel_scores(notes: Notes, doc: dict[str, Any], seeds: list[Claimed[int]]) -> dict[int, Claimed[float]]:
    """`seed_scores: [1.09, ...]` parallel to `seeds: [42, ...]`, used only when the lengths agree."""
    scores = doc.get("seed_scores")
    if not isinstance(scores, list) or len(scores) != len(seeds):
        return {}
    out: dict[int, Claimed[float]] = {}
    for index, (seed, value) in enumerate(zip(seeds, scores, strict=True)):
        number = as_float(notes, value, join("/seed_scores", index))
        if number is not None:
            out[seed.value] = Claimed(value=number, pointer=join("/seed_scores", index))
    return out


def _seed_list_item(notes: Notes, item: Any, ptr: str) -> Claimed[int] | None:
    if isinstance(item, dict):
        if "seed" not in item:
            notes.problem(ptr, "seed object has no seed key")
            return None
        ptr = join(ptr, "seed")
        item = item["seed"]
    seed = as_count(notes, item, ptr)
    return None if seed is None else Claimed(value=seed, pointer=ptr)


def _seeds_from_keys(notes: Notes, seeds: dict[str, Any], drafts: Drafts) -> list[Claimed[int]]:
    # When the per-seed results were read from this same object, its keys were already reported on.
    scratch = Notes()
    found = [(join("/seeds", k), _seed_of_key(scratch, k, join("/seeds", k))) for k in seeds]
    if not any(d.pointer.startswith("/seeds/") for d in drafts.values()):
        notes.repairs.extend(scratch.repairs)
        notes.problems.extend(scratch.problems)
    notes.repair("/seeds", "seeds is an object; seeds read from its keys")
    return [Claimed(value=seed, pointer=ptr) for ptr, seed in found if seed is not None]


def _seed_list(notes: Notes, doc: dict[str, Any], drafts: Drafts) -> list[Claimed[int]]:
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


def seed_claims(notes: Notes, doc: dict[str, Any]) -> tuple[list[Claimed[int]], Drafts]:
    """(the claimed seeds, the per-seed results by seed), from wherever the file wrote them."""
    drafts = _seed_result_drafts(notes, doc)
    _fill(notes, drafts, per_seed_objects(notes, doc, "val_bpb"), "val_bpb", "the val_bpb object")
    _fill(notes, drafts, per_seed_objects(notes, doc, "val_bpb_seeds"), "val_bpb", "val_bpb_seeds")
    _fill(notes, drafts, per_seed_objects(notes, doc, "val_loss"), "val_loss", "the val_loss object")
    seeds = _seed_list(notes, doc, drafts)
    _fill(notes, drafts, _parallel_scores(notes, doc, seeds), "val_bpb", "seed_scores (parallel to seeds)")
    return seeds, drafts
