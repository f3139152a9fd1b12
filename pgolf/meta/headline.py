"""The headline claims other than size: scores (val_bpb, val_loss, std) and who, what, when, on what."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import Any

from pgolf.meta.aliases import (
    AUTHOR_ALIASES,
    BPB_ALIASES,
    DATE_ALIASES,
    GITHUB_ALIASES,
    HARDWARE_ALIASES,
    LOSS_ALIASES,
    NAME_ALIASES,
    STD_ALIASES,
    TORCH_ALIASES,
)
from pgolf.meta.coerce import Notes, as_float, as_score, as_text, claim_first, json_type, show
from pgolf.meta.model import Claimed
from pgolf.meta.seeds import per_seed_objects

_GITHUB_URL = re.compile(r"\s*(?:https?://)?(?:www\.)?github\.com/([^/\s]+)/?\s*", re.IGNORECASE)


def _mean_of(values: Iterable[float]) -> float | None:
    items = list(values)
    mean = math.fsum(items) / len(items) if items else None
    return mean if mean is not None and math.isfinite(mean) else None


def _headline_from_object(notes: Notes, doc: dict[str, Any], key: str) -> Claimed[float] | None:
    """A headline written as an object of per-seed values: use their mean, and say so."""
    # The object's entries were already read (and reported on) as per-seed claims; reread quietly.
    per_seed = per_seed_objects(Notes(), doc, key)
    mean = _mean_of(c.value for c in per_seed.values())
    if mean is None:
        return None
    notes.repair("/" + key, f"{key} is an object of per-seed values; headline is their mean")
    return Claimed(value=mean, pointer="/" + key)


def _author(notes: Notes, doc: dict[str, Any]) -> tuple[Claimed[str] | None, Claimed[str] | None]:
    """(author, github login from an author object) — author may be a string, object or list."""
    value = doc.get("author")
    if isinstance(value, dict):
        notes.repair("/author", "author is an object; name read from author.name")
        name = claim_first(notes, value, [("name",), ("login",)], as_text, "name", base="/author")
        logins = [("github",), ("github_id",), ("login",)]
        login = claim_first(notes, value, logins, as_text, "github", base="/author")
        return name, login
    for key in ("author", "authors"):
        names = doc.get(key)
        if isinstance(names, list) and names and all(isinstance(n, str) for n in names):
            notes.repair("/" + key, f"{key} is a list; names joined with commas")
            return Claimed(value=", ".join(names), pointer="/" + key), None
    return claim_first(notes, doc, AUTHOR_ALIASES, as_text, "author"), None


def _github_login(notes: Notes, claim: Claimed[str] | None) -> Claimed[str] | None:
    """Strip an `@` or a github.com URL around a login; the login pattern itself is the strict gate."""
    if claim is None:
        return None
    url = _GITHUB_URL.fullmatch(claim.value)
    login = url.group(1) if url else claim.value.strip().removeprefix("@")
    if login != claim.value:
        notes.repair(claim.pointer, f"github_id {show(login)} extracted from {show(claim.value)}")
        return Claimed(value=login, pointer=claim.pointer)
    return claim


def _hardware_text(notes: Notes, value: Any, ptr: str) -> str | None:
    if isinstance(value, dict | list):
        notes.repair(ptr, f"hardware is an {json_type(value)}; kept as compact JSON text")
        try:
            return json.dumps(value, separators=(",", ":"), sort_keys=True)[:500]
        except (RecursionError, ValueError):  # nested deeper than the encoder recurses
            return f"<{json_type(value)} nested too deeply to show>"
    return as_text(notes, value, ptr)


def score_claims(notes: Notes, doc: dict[str, Any]) -> dict[str, Claimed[Any] | None]:
    """val_bpb, val_loss and val_bpb_std, each through its aliases; no usable val_bpb is a problem."""
    bpb = claim_first(notes, doc, BPB_ALIASES, as_score, "val_bpb")
    bpb = bpb or _headline_from_object(notes, doc, "val_bpb")
    loss = claim_first(notes, doc, LOSS_ALIASES, as_score, "val_loss")
    loss = loss or _headline_from_object(notes, doc, "val_loss")
    if bpb is None:
        only_loss = " (only val_loss is given)" if loss is not None else ""
        notes.problem("/val_bpb", f"no usable val_bpb or alias (mean_val_bpb, val_bpb_mean, ...){only_loss}")
    std = claim_first(notes, doc, STD_ALIASES, as_float, "val_bpb_std")
    return {"val_bpb": bpb, "val_loss": loss, "val_bpb_std": std}


def identity_claims(notes: Notes, doc: dict[str, Any]) -> dict[str, Claimed[Any] | None]:
    """Author, github_id, name, date, track, hardware and pytorch_version, each through its aliases."""
    author, login_from_author = _author(notes, doc)
    login = claim_first(notes, doc, GITHUB_ALIASES, as_text, "github_id") or login_from_author
    return {
        "author": author,
        "github_id": _github_login(notes, login),
        "name": claim_first(notes, doc, NAME_ALIASES, as_text, "name"),
        "date": claim_first(notes, doc, DATE_ALIASES, as_text, "date"),
        "track": claim_first(notes, doc, [("track",)], as_text, "track"),
        "hardware": claim_first(notes, doc, HARDWARE_ALIASES, _hardware_text, "hardware"),
        "pytorch_version": claim_first(notes, doc, TORCH_ALIASES, as_text, "pytorch_version"),
    }
