"""Baselines for SIGNIFICANCE: from a records folder (its logs, else its claims) or from numbers."""

from __future__ import annotations

from pathlib import Path

from pgolf.catalogue import CheckContext
from pgolf.errors import UsageError
from pgolf.folder import load_folder
from pgolf.ruleset import Ruleset
from pgolf.stats import Baseline, SeedScore
from pgolf.submission_scores import seed_scores


def baseline_from_numbers(spec: str) -> Baseline:
    """'1.0611,1.0613' or '42=1.0611,314=1.0613' -> Baseline (val_bpb only)."""
    scores: list[SeedScore] = []
    for i, part in enumerate(p.strip() for p in spec.split(",") if p.strip()):
        seed_text, _, value_text = part.rpartition("=")
        try:
            seed = int(seed_text) if seed_text else None
            value = float(value_text)
        except ValueError as exc:
            raise UsageError(f"--baseline-bpb: cannot read {part!r} (item {i + 1}) as [seed=]val_bpb") from exc
        scores.append(SeedScore(seed=seed, val_bpb=value))
    if not scores:
        raise UsageError("--baseline-bpb: no numbers given")
    return Baseline(label=f"numbers {spec}", scores=tuple(scores))


def baseline_from_folder(path: Path, ruleset: Ruleset) -> Baseline:
    ctx = CheckContext(folder=load_folder(path), ruleset=ruleset)
    scores = [s.score for s in seed_scores(ctx)]
    if not scores:
        raise UsageError(f"--baseline {path}: no per-seed score found in its logs or submission.json")
    return Baseline(label=str(path), scores=tuple(scores))
