"""`submissions/<name>.toml` as optional overrides of an inferred manifest.

An override file holds any subset of manifest keys. Tables merge key by key (`[env]`, `[dataset]`,
`[budget]`, `[source]`, and `[claims.<seed>]` per seed); every other key replaces the inferred
value. What an override replaced is listed in the inference, so the plan shows it.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pgolf.errors import InputError
from pgolf.infer.model import Inference
from pgolf.manifest import parse_manifest

_MERGED_TABLES = ("env", "dataset", "budget", "source")


def read_override(path: Path) -> dict[str, object]:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not a readable TOML override: {exc}") from exc
    return data


def _changed(key: str, old: object, new: object) -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        return [f"{key}.{k}" for k, v in new.items() if old.get(k) != v]
    return [key] if old != new else []


def apply_override(inference: Inference, override: dict[str, object], origin: str) -> Inference:
    """The inferred manifest with the override's keys merged in (validated as a whole)."""
    base = inference.manifest.model_dump(mode="json", exclude_none=True)
    changed: list[str] = []
    for key, value in override.items():
        old = base.get(key)
        merged: object
        if key in _MERGED_TABLES and isinstance(value, dict) and isinstance(old, dict):
            merged = {**old, **value}
        elif key == "claims" and isinstance(value, dict) and isinstance(old, dict):
            merged = {**old, **{str(seed): claim for seed, claim in value.items()}}
        else:
            merged = value
        changed += _changed(key, old, merged)
        base[key] = merged
    if "source" in override and "local_folder" in base:
        base.pop("local_folder")  # an override that pins a source turns a local draft into a PR manifest
    manifest = parse_manifest(base, f"{origin} over the inferred manifest")
    return inference.model_copy(update={"manifest": manifest, "overrides": changed, "override_file": origin})
