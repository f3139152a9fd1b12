"""Promote finished seeds from a node's mirror into the fan-out folder, whole or not at all.

The node writes a seed's record.json last, atomically (pgolf.runner.store): once a mirror holds a
readable record, a second pull brings every other file of that seed in its final state. Only then
is the seed copied into a staging folder and renamed into runs/<name>/seed-<s>/: a crash at any
point leaves a stale staging folder (ignored) or a complete seed, never a half-written one.

The copy is a run folder of its own (the node's plan.json and index.json beside the seed folder),
so `pgolf report` and `load_run` read it as they read a local run.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from pgolf.cluster.state import seed_dir
from pgolf.runner.store import INDEX_FILE, PLAN_FILE, load_run, read_record


@dataclass(frozen=True)
class Finished:
    """A seed whose record.json is in the mirror: `run_dir` is the node's run folder in the mirror."""

    seed: int
    run_dir: Path


def finished_seeds(mirror: Path, name: str, seeds: list[int]) -> list[Finished]:
    """Seeds of `seeds` with a readable record in the mirror (layout: <name>/<run_id>/seed-<s>/record.json)."""
    found: dict[int, Finished] = {}
    for plan_file in sorted((mirror / name).glob(f"*/{PLAN_FILE}")):
        run_dir = plan_file.parent
        for seed in seeds:
            if seed not in found and read_record(run_dir / f"seed-{seed}" / "record.json") is not None:
                found[seed] = Finished(seed=seed, run_dir=run_dir)
    return [found[s] for s in seeds if s in found]


def _snapshot(staging: Path, submission_dir: Path | None) -> None:
    """Keep the submission the seed ran in its run folder (pgolf.report.snapshot: the report and a merge
    identify it by its git tree id). Taken from the folder this side verified and uploaded, because the
    node writes its own copy only when its whole run ends, after this seed was copied back."""
    from pgolf.report.snapshot import SNAPSHOT_DIR, snapshot_source

    if submission_dir is None or not submission_dir.is_dir() or (staging / SNAPSHOT_DIR).exists():
        return
    run = load_run(staging)
    specs = [spec.model_copy(update={"source_dir": submission_dir}) for spec in run.plan.specs]
    snapshot_source(run.model_copy(update={"plan": run.plan.model_copy(update={"specs": specs})}), staging)


def promote(fanout_dir: Path, name: str, finished: Finished, submission_dir: Path | None = None) -> Path:
    """Copy one finished seed into runs/<name>/seed-<s>/ through a staging folder; returns the target.
    An existing target is left alone (the seed was promoted before): never overwritten."""
    target = seed_dir(fanout_dir, name, finished.seed)
    if target.exists():
        return target
    staging = fanout_dir / "staging" / f"{name}-seed{finished.seed}-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    try:
        for file in (PLAN_FILE, INDEX_FILE):
            if (finished.run_dir / file).is_file():
                shutil.copy2(finished.run_dir / file, staging / file)
        seed = f"seed-{finished.seed}"
        shutil.copytree(finished.run_dir / seed, staging / seed, symlinks=True)
        if read_record(staging / seed / "record.json") is None:
            raise OSError(f"{staging / seed / 'record.json'}: unreadable after the copy")
        _snapshot(staging, submission_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
