"""strict_v1's cross-field rules, the ones a JSON Schema cannot state: means, seed sets, sizes, identity."""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from pgolf.meta.constraints import GITHUB_LOGIN, ISO_DATE, SEED_KEY, SchemaError, artifact_cap, is_placeholder_login
from pgolf.ruleset import load_ruleset

MEAN_TOLERANCE = 1e-4  # val_bpb vs the mean of the per-seed scores: rounding to 4 decimals passes


def finite_number(value: Any) -> float | None:
    """A JSON number as a float; None for anything else (booleans, strings, NaN, infinities)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def seed_entries(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The seed_results entries that are objects, by key; {} when seed_results is not an object."""
    results = doc.get("seed_results")
    if not isinstance(results, dict):
        return {}
    return {k: v for k, v in results.items() if isinstance(v, dict)}


def _mean_errors(doc: dict[str, Any]) -> Iterator[SchemaError]:
    entries = seed_entries(doc)
    scores = [finite_number(e.get("val_bpb")) for e in entries.values()]
    headline = finite_number(doc.get("val_bpb"))
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
    repeated = sorted(s for s, n in Counter(listed).items() if n > 1)
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
    sizes = [e.get("artifact_bytes") for e in seed_entries(doc).values()]
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
