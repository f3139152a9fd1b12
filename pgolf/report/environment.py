"""The environment side by side (what the submission declares vs each machine the seeds ran on) and
the deviations that make a reproduction non-official: GPUs, image, torch, shim, profile, data."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Literal

from pgolf.report.model import Declared, DeclaredEnv, Deviation, EnvRow, Machine
from pgolf.ruleset import TrackLimits
from pgolf.runner.model import EnvFingerprint, Plan, SeedRecord

SHIM_BANNER = "pgolf SDPA shim in use"  # printed by docker/shim/flash_attn_interface.py at import
SHIM_LABEL = "SDPA shim (pgolf)"
SYNTHETIC_VARIANTS = frozenset({"synth"})


def raw_log(run_dir: Path, record: SeedRecord) -> Path | None:
    rel = record.files.get("raw_log")
    path = run_dir / rel if rel else None
    return path if path is not None and path.is_file() else None


def shim_seeds(run_dir: Path, records: Sequence[SeedRecord]) -> set[int]:
    """Seeds whose output shows the SDPA shim's import banner (no FlashAttention-3 kernels)."""
    found = set()
    for record in records:
        log = raw_log(run_dir, record)
        if log is not None and SHIM_BANNER in log.read_text("utf-8", errors="replace"):
            found.add(record.seed)
    return found


def machines(records: Sequence[SeedRecord], shim: set[int]) -> list[Machine]:
    """Seeds grouped by the environment they ran in, in seed order (a merge brings several)."""
    groups: dict[str, tuple[EnvFingerprint, list[SeedRecord]]] = {}
    for record in sorted(records, key=lambda r: r.seed):
        key = record.fingerprint.model_dump_json()
        groups.setdefault(key, (record.fingerprint, []))[1].append(record)
    out = []
    for fp, members in groups.values():
        seeds = [r.seed for r in members]
        sizes = [r.parsed_log.world_size.value for r in members if r.parsed_log and r.parsed_log.world_size]
        fa3 = SHIM_LABEL if shim & set(seeds) else fp.fa3
        out.append(Machine(seeds=seeds, fingerprint=fp, world_size=sizes[0] if sizes else None, fa3=fa3))
    return out


def _version(value: str | None, parts: int) -> str | None:
    """The first `parts` numbers of a version ("2.9.1+cu128" -> "2.9.1"), for comparing like with like."""
    if value is None:
        return None
    found = re.match(r"v?(\d+(?:\.\d+)*)", value.strip())
    return ".".join(found[1].split(".")[:parts]) if found else value.strip()


def _gpu_family(value: str | None) -> str | None:
    found = re.search(r"\b([A-Z]\d{2,3})\b", (value or "").upper())
    return found[1] if found else None


Comparable = Callable[[str | None], str | None]

# (label, declared field, how a machine shows it, how two values are compared)
_ITEMS: list[tuple[str, str, Callable[[Machine], str | None], Comparable]] = [
    ("GPU model", "gpu_model", lambda m: m.fingerprint.gpu_model, _gpu_family),
    ("GPU count", "gpu_count", lambda m: str(m.fingerprint.gpu_count), lambda v: v),
    ("world size (ranks)", "world_size", lambda m: None if m.world_size is None else str(m.world_size), lambda v: v),
    ("NVIDIA driver", "driver", lambda m: m.fingerprint.driver, lambda v: v),
    ("CUDA", "cuda", lambda m: m.fingerprint.cuda, lambda v: _version(v, 2)),
    ("torch", "torch", lambda m: m.fingerprint.torch, lambda v: _version(v, 3)),
    ("Python", "python", lambda m: m.fingerprint.python, lambda v: _version(v, 2)),
    ("FlashAttention-3", "fa3", lambda m: m.fa3, lambda v: "shim" if v == SHIM_LABEL else ("yes" if v else None)),
    ("image", "image", lambda m: m.fingerprint.image, lambda v: v),
    ("image digest", "", lambda m: m.fingerprint.image_digest, lambda v: v),
]


def rows(declared: DeclaredEnv, found: Sequence[Machine]) -> list[EnvRow]:
    out = []
    for label, key, show, norm in _ITEMS:
        stated: Declared | None = getattr(declared, key) if key else None
        values = [show(m) for m in found]
        if stated is None or not any(v is not None for v in values):
            status = "unknown"
        else:
            same = all(v is not None and norm(v) == norm(stated.value) for v in values)
            status = "match" if same else "differs"
        out.append(
            EnvRow(
                item=label,
                declared=stated.value if stated else None,
                declared_source=stated.source if stated else None,
                reproduced=values,
                status=status,
            )
        )
    return out


def _hardware(record: SeedRecord, track: TrackLimits) -> list[Deviation]:
    fp = record.fingerprint
    out = []
    if fp.gpu_count != track.world_size:
        out.append(Deviation(kind="gpu", detail=f"{fp.gpu_count} GPU(s); the track runs on {track.world_size}"))
    if track.gpu_model not in (fp.gpu_model or ""):
        out.append(Deviation(kind="gpu", detail=f"GPU {fp.gpu_model or 'none'}; the track runs on {track.gpu_model}"))
    return out


def _image(plan: Plan, record: SeedRecord) -> list[Deviation]:
    wanted = plan.manifest.image
    used = record.fingerprint.image
    if wanted is None:
        return []
    if used == "local":
        return [Deviation(kind="image", detail=f"ran in the host's interpreter, not the image {wanted}")]
    if used != wanted:
        return [Deviation(kind="image", detail=f"ran the image {used}; the plan's image is {wanted}")]
    return []


def _torch(declared: DeclaredEnv, record: SeedRecord) -> list[Deviation]:
    stated = declared.torch
    used = record.fingerprint.torch
    if stated is None or used is None or _version(stated.value, 3) == _version(used, 3):
        return []
    return [Deviation(kind="torch", detail=f"torch {used}; the submission ran {stated.value} ({stated.source})")]


def _budget(plan: Plan, track: TrackLimits) -> list[Deviation]:
    """A smaller time budget than the track's (the CPU example, a smoke profile) changes what is measured."""
    if not plan.specs:
        return []
    budget = plan.specs[0].budget
    if budget.train_s < track.max_train_seconds or budget.eval_s < track.max_eval_seconds:
        return [
            Deviation(
                kind="profile",
                detail=f"budget of {budget.train_s:g} s train / {budget.eval_s:g} s eval; the track allows "
                f"{track.max_train_seconds:g} s / {track.max_eval_seconds:g} s",
            )
        ]
    return []


def _data(plan: Plan) -> list[Deviation]:
    variant = plan.specs[0].data.variant if plan.specs else plan.manifest.dataset.variant
    if variant in SYNTHETIC_VARIANTS:
        return [Deviation(kind="data", detail=f"synthetic dataset ({variant}), not FineWeb")]
    return []


def _planned(plan: Plan) -> list[Deviation]:
    """What the plan itself changed: a profile (smoke) and --shim, as the planner listed them."""
    found = [Deviation(kind="profile", detail=f"the {plan.profile} profile")] if plan.profile != "official" else []
    for detail in plan.deviations:
        kind: Literal["shim", "profile"] = "shim" if "shim" in detail.lower() else "profile"
        found.append(Deviation(kind=kind, detail=detail))
    return found


def deviations(
    plan: Plan, track: TrackLimits | None, records: Sequence[SeedRecord], declared: DeclaredEnv, shim: set[int]
) -> list[Deviation]:
    """Why these numbers are not those of an official run: each kind once per distinct detail."""
    found: list[Deviation] = [*_planned(plan), *_data(plan)]
    if track is not None and plan.profile == "official":  # a profile lists its own budget
        found += _budget(plan, track)
    if shim and not any(d.kind == "shim" for d in found):  # the banner, where the plan did not say so
        seeds = ", ".join(str(s) for s in sorted(shim))
        found.append(
            Deviation(kind="shim", detail=f"the SDPA flash_attn_interface shim, not FlashAttention-3 (seeds {seeds})")
        )
    for record in sorted(records, key=lambda r: r.seed):
        if track is not None and track.record:  # only the record track prescribes hardware
            found += _hardware(record, track)
        found += _image(plan, record) + _torch(declared, record)
    return list(dict.fromkeys(found))
