"""Merge runs: one report from seed records produced on different machines.

`merge_runs(run_dirs, out_dir)` checks that the runs reproduce the same thing (the same manifest,
ruleset, track and time budgets, and the same submission tree), then writes a run folder holding
every seed's record, logs and trace with a merged plan and index, so the ordinary report (and
bundle) is built from it. Mixed runs are refused with a one-line error naming the difference.
`load_runs` and `check_mergeable` are the pieces a fan-out over many PRs builds on.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pgolf import __version__
from pgolf.errors import UsageError
from pgolf.report.snapshot import SNAPSHOT_DIR, snapshot_source
from pgolf.runner.clock import SYSTEM_CLOCK
from pgolf.runner.model import Plan, RunIndex, RunRecord, RunSpec, SeedEntry, SeedRecord
from pgolf.runner.store import INDEX_FILE, PLAN_FILE, load_run, write_model

MERGED_FROM = "merged_from.json"


class MergeError(UsageError):
    """The runs cannot be merged (different manifests, submissions or conditions; a seed run twice)."""


@dataclass(frozen=True)
class SourceRun:
    run_dir: Path
    run: RunRecord
    tree_id: str


def load_runs(run_dirs: Sequence[Path]) -> list[SourceRun]:
    """Read each run folder and identify the submission tree it ran (from its source or its snapshot)."""
    if len(run_dirs) < 2:
        raise MergeError("give at least two run folders to merge")
    if len({d.resolve() for d in run_dirs}) != len(run_dirs):
        raise MergeError("a run folder is given twice")
    runs = []
    for run_dir in run_dirs:
        run = load_run(run_dir)
        source = snapshot_source(run, run_dir)
        if source.tree_id is None:
            raise MergeError(
                f"{run_dir}: the submission it ran is unknown here ({source.note}); "
                f"run `pgolf report {run_dir}` on the machine that ran it, then merge"
            )
        runs.append(SourceRun(run_dir=run_dir, run=run, tree_id=source.tree_id))
    return runs


def _manifest_difference(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def _conditions(run: RunRecord) -> dict[str, object]:
    budgets = {(s.budget.train_s, s.budget.eval_s) for s in run.plan.specs}
    return {"ruleset": run.plan.ruleset, "track": run.plan.track, "budget": sorted(budgets)}


def check_mergeable(runs: Sequence[SourceRun]) -> None:
    """Refuse runs of different manifests, submissions or conditions, and seeds recorded twice."""
    first = runs[0]
    base = first.run.plan.manifest.model_dump(mode="json")
    for other in runs[1:]:
        differ = _manifest_difference(base, other.run.plan.manifest.model_dump(mode="json"))
        if differ:
            raise MergeError(
                f"cannot merge {first.run_dir} and {other.run_dir}: different manifests "
                f"(they differ in {', '.join(differ)})"
            )
        if other.tree_id != first.tree_id:
            raise MergeError(
                f"cannot merge {first.run_dir} and {other.run_dir}: different submission trees "
                f"({first.tree_id[:12]} vs {other.tree_id[:12]})"
            )
        mine, theirs = _conditions(first.run), _conditions(other.run)
        changed = [k for k in mine if mine[k] != theirs[k]]
        if changed:
            raise MergeError(
                f"cannot merge {first.run_dir} and {other.run_dir}: different {', '.join(changed)} "
                f"({', '.join(f'{mine[k]} vs {theirs[k]}' for k in changed)})"
            )
    seen: dict[int, Path] = {}
    for source in runs:
        for record in source.run.seeds:
            if record.seed in seen:
                raise MergeError(
                    f"seed {record.seed} was run in both {seen[record.seed]} and {source.run_dir}; keep one"
                )
            seen[record.seed] = source.run_dir


def _copy_seed(source: SourceRun, record: SeedRecord, out_dir: Path) -> Path:
    """The seed's record, logs and trace, at the same place relative to the run folder."""
    spec = next(s for s in source.run.plan.specs if s.seed == record.seed)
    seed_dir = source.run_dir / spec.seed_dir.relative_to(source.run.plan.run_dir)
    target = out_dir / seed_dir.name
    for name in ("record.json", "output.log", "output.jsonl"):
        if (seed_dir / name).is_file():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(seed_dir / name, target / name)
    trace = seed_dir / "out" / "trace"
    for path in sorted(trace.glob("*.jsonl")) if trace.is_dir() else []:
        (target / "out" / "trace").mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / "out" / "trace" / path.name)
    return target


def _merged_plan(runs: Sequence[SourceRun], out_dir: Path, run_id: str) -> Plan:
    """One spec per seed, taken from the run that recorded it (else the first run that planned it)."""
    chosen: dict[int, RunSpec] = {}
    for source in runs:
        recorded = {r.seed for r in source.run.seeds}
        for spec in source.run.plan.specs:
            if spec.seed not in chosen or spec.seed in recorded:
                chosen[spec.seed] = spec.model_copy(update={"seed_dir": out_dir / spec.seed_dir.name})
    digest = hashlib.sha256("\n".join(sorted(s.run.plan.plan_hash for s in runs)).encode()).hexdigest()
    first = runs[0].run.plan
    return first.model_copy(
        update={"run_id": run_id, "plan_hash": digest, "run_dir": out_dir, "specs": [chosen[s] for s in sorted(chosen)]}
    )


def default_run_id(runs: Sequence[SourceRun]) -> str:
    digest = hashlib.sha256("\n".join(sorted(s.run.plan.plan_hash for s in runs)).encode()).hexdigest()
    return f"merged-{digest[:12]}"


def merge_runs(run_dirs: Sequence[Path], out_dir: Path | None = None) -> Path:
    """Write the merged run folder (default: beside the first run, named merged-<hash>); returns it."""
    runs = load_runs(run_dirs)
    check_mergeable(runs)
    run_id = default_run_id(runs)
    out_dir = out_dir or runs[0].run_dir.parent / run_id
    if out_dir.exists() and any(out_dir.iterdir()):
        raise MergeError(f"{out_dir} exists and is not empty; give another --out")
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = _merged_plan(runs, out_dir, run_id)
    entries = []
    for source in runs:
        for record in source.run.seeds:
            _copy_seed(source, record, out_dir)
    for spec in plan.specs:
        done = (spec.seed_dir / "record.json").is_file()
        entries.append(
            SeedEntry(
                seed=spec.seed,
                state="done" if done else "pending",
                status=next((r.status for s in runs for r in s.run.seeds if r.seed == spec.seed), None),
                record=f"{spec.seed_dir.name}/record.json" if done else None,
            )
        )
    shutil.copytree(runs[0].run_dir / SNAPSHOT_DIR, out_dir / SNAPSHOT_DIR)
    now = SYSTEM_CLOCK.utc_now()
    write_model(out_dir / PLAN_FILE, plan)
    write_model(
        out_dir / INDEX_FILE,
        RunIndex(
            pgolf_version=__version__, name=plan.name, run_id=run_id, plan_hash=plan.plan_hash, backend=plan.backend,
            created=now, updated=now, seeds=entries,
        ),
    )  # fmt: skip
    sources = [
        {"run_dir": str(s.run_dir), "run_id": s.run.plan.run_id, "seeds": [r.seed for r in s.run.seeds]} for s in runs
    ]
    (out_dir / MERGED_FROM).write_text(json.dumps(sources, indent=2) + "\n", encoding="utf-8")
    return out_dir


def merged_from(run_dir: Path) -> list[str]:
    """The run ids a merged run folder was built from (empty for an ordinary run)."""
    path = run_dir / MERGED_FROM
    if not path.is_file():
        return []
    try:
        loaded = json.loads(path.read_text("utf-8"))
        return [str(item["run_id"]) for item in loaded]
    except (ValueError, KeyError, TypeError):
        raise UsageError(f"{path}: unreadable") from None
