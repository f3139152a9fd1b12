"""Mechanical edits that move a parsed submission.json toward strict_v1: renames, derived values, types.

Each fix carries the pointer of the error it fixes, so that `validate` can attach it to that error.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any, get_args

from pgolf.meta.aliases import (
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
    lookup,
)
from pgolf.meta.constraints import SEED_KEY, SchemaError, TrackV1, is_placeholder_login
from pgolf.meta.pointers import join
from pgolf.meta.semantic import finite_number, seed_entries
from pgolf.ruleset import load_ruleset

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
    entries = seed_entries(doc)
    scores = [finite_number(e.get("val_bpb")) for e in entries.values()]
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
    for key, entry in seed_entries(doc).items():
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


def located_fixes(doc: Any) -> list[Fix]:
    """Each suggested fix with the pointer of the error it fixes, without repeats."""
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
    return [text for _, text in located_fixes(doc)]


def attach_fixes(errors: list[SchemaError], fixes: list[Fix]) -> list[SchemaError]:
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
