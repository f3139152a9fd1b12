"""What the submission itself says: its per-seed logs (curves, steps, stop) and its declared environment.

Read with the same parsers `pgolf check` uses (pgolf.logs, the lenient submission.json reader),
from the submission folder as it was run (pgolf.report.snapshot). Each declared value keeps where
it was read, so the environment table cites file:line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pgolf.catalogue import CheckContext
from pgolf.errors import PgolfError
from pgolf.folder import load_folder
from pgolf.logs.model import At, ParsedLog
from pgolf.manifest import Manifest
from pgolf.report.model import CurvePoint, Declared, DeclaredEnv
from pgolf.ruleset import Ruleset
from pgolf.runner.model import TrainingProgress
from pgolf.runner.progress import training_progress
from pgolf.submission_scores import seed_scores

_HARDWARE = re.compile(r"(\d+)\s*[x×]\s*(?:NVIDIA\s+)?([A-Z]\d{2,3}\w*)", re.IGNORECASE)
_TORCH_REQ = re.compile(r"^\s*torch\s*==\s*([\w.+]+)", re.IGNORECASE)
_FA3_REQ = re.compile(r"^\s*(flash[-_]?attn[-_]?3?\S*.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class ClaimedRun:
    """The submission's own log for one seed (the one that supports its claim)."""

    seed: int
    log_path: str  # relative to the submission folder
    progress: TrainingProgress
    curve: list[CurvePoint]


@dataclass(frozen=True)
class SubmissionFacts:
    runs: dict[int, ClaimedRun] = field(default_factory=dict)
    declared: DeclaredEnv = field(default_factory=DeclaredEnv)
    notes: list[str] = field(default_factory=list)


def curve_of(log: ParsedLog) -> list[CurvePoint]:
    return [
        CurvePoint(t_s=p.train_time_ms / 1000.0, loss=p.loss) for p in log.train_curve if p.train_time_ms is not None
    ]


def _at(log: ParsedLog, found: At[str] | At[int] | None) -> Declared | None:
    if found is None:
        return None
    return Declared(value=str(found.value), source=f"{log.path}:{found.line}")


def _from_logs(logs: list[ParsedLog]) -> dict[str, Declared]:
    """The first log stating a fact wins; logs are visited in name order for a stable citation."""
    facts: dict[str, Declared] = {}
    for log in sorted(logs, key=lambda g: g.path):
        candidates: dict[str, Declared | None] = {
            "torch": _at(log, log.torch_version),
            "cuda": _at(log, log.cuda_version),
            "driver": _at(log, log.driver_version),
            "python": _at(log, log.python_version),
            "gpu_model": _at(log, log.gpu_names[0]) if log.gpu_names else None,
            "gpu_count": (
                Declared(value=str(len(log.gpu_names)), source=f"{log.path}:{log.gpu_names[0].line}")
                if log.gpu_names
                else None
            ),
            "world_size": _at(log, log.world_size),
        }
        for key, value in candidates.items():
            if value is not None:
                facts.setdefault(key, value)
    return facts


def _from_requirements(folder: Path) -> dict[str, Declared]:
    path = folder / "requirements.txt"
    if not path.is_file() or path.is_symlink():
        return {}
    facts: dict[str, Declared] = {}
    for number, line in enumerate(path.read_text("utf-8", errors="replace").splitlines()[:500], start=1):
        torch = _TORCH_REQ.match(line)
        if torch is not None:
            facts.setdefault("torch", Declared(value=torch[1], source=f"requirements.txt:{number}"))
        fa3 = _FA3_REQ.match(line)
        if fa3 is not None:
            facts.setdefault("fa3", Declared(value=fa3[1].strip()[:120], source=f"requirements.txt:{number}"))
    return facts


def _declared(ctx: CheckContext, folder: Path, manifest: Manifest) -> DeclaredEnv:
    facts = _from_logs(ctx.logs)
    meta = ctx.meta.meta if ctx.meta is not None else None
    if meta is not None and meta.pytorch_version is not None:
        facts.setdefault(
            "torch",
            Declared(value=meta.pytorch_version.value, source=f"submission.json#{meta.pytorch_version.pointer}"),
        )
    if meta is not None and meta.hardware is not None:
        found = _HARDWARE.search(meta.hardware.value)
        if found is not None:
            where = f"submission.json#{meta.hardware.pointer}"
            facts.setdefault("gpu_count", Declared(value=found[1], source=where))
            facts.setdefault("gpu_model", Declared(value=found[2].upper(), source=where))
    for key, value in _from_requirements(folder).items():
        facts.setdefault(key, value)
    if manifest.image is not None:
        facts["image"] = Declared(value=manifest.image, source="manifest")
    return DeclaredEnv(**facts)


def read_submission(folder: Path | None, manifest: Manifest, ruleset: Ruleset) -> SubmissionFacts:
    """The submission's per-seed logs and declared environment; empty facts with a note when unreadable."""
    if folder is None or not folder.is_dir():
        return SubmissionFacts(notes=["the submission folder is not available: no claimed curves or declared facts"])
    try:
        ctx = CheckContext(folder=load_folder(folder), ruleset=ruleset)
        evidence = seed_scores(ctx)
        declared = _declared(ctx, folder, manifest)
    except PgolfError as exc:
        return SubmissionFacts(notes=[f"the submission folder could not be read: {exc}"])
    runs = {
        e.seed: ClaimedRun(seed=e.seed, log_path=e.log.path, progress=training_progress(e.log), curve=curve_of(e.log))
        for e in evidence
        if e.seed is not None and e.log is not None
    }
    return SubmissionFacts(runs=runs, declared=declared)
