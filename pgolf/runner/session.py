"""Run a plan: preflight once, then every unfinished seed in order, each record saved as it ends."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pgolf.runner import attempt
from pgolf.runner.backend import Backend
from pgolf.runner.capture import LineSink, no_sink
from pgolf.runner.model import EnvFingerprint, Plan, RunRecord, SeedRecord
from pgolf.runner.record import disk_full_record
from pgolf.runner.store import DiskFull, RunStore, is_disk_full, load_run

Progress = Callable[[str], None]
NEARLY_FULL_BYTES = 1 << 20


def _nearly_full(path: Path) -> bool:
    try:
        stats = os.statvfs(path)
    except OSError:
        return False
    return stats.f_bavail * stats.f_frsize < NEARLY_FULL_BYTES


def _quiet(_message: str) -> None:
    """Progress goes nowhere unless a caller listens."""


def summary(record: SeedRecord) -> str:
    """One line per seed: status, score, bytes, external times against the script's."""
    t = record.timing
    parts = [f"seed {record.seed}: {record.status.value}", f"exit {record.exit_code}"]
    if record.score_bpb is not None:
        parts.append(f"val_bpb {record.score_bpb:.8f}")
    parts.append(f"{record.artifacts.total_bytes:,} B of {record.artifacts.cap_bytes:,}")
    if t.external_train_s is not None:
        script = f" (script {t.script_train_s:.1f}s)" if t.script_train_s is not None else ""
        parts.append(f"train {t.external_train_s:.1f}s{script}")
    if t.external_eval_s is not None:
        script = f" (script {t.script_eval_s:.1f}s)" if t.script_eval_s is not None else ""
        parts.append(f"eval {t.external_eval_s:.1f}s{script}")
    parts.append(f"wall {record.wall_s:.1f}s")
    line = ", ".join(parts)
    if record.violations:
        line += f"; violations: {', '.join(record.violations)}"
    return line


def execute(
    plan: Plan,
    backend: Backend,
    *,
    sink: LineSink = no_sink,
    progress: Progress = _quiet,
    fingerprint: EnvFingerprint | None = None,
) -> RunRecord:
    """Resume-aware: seeds with a record are skipped; an interrupted seed's folder is moved aside.
    `fingerprint`: the caller already ran the backend's preflight (before preparing data)."""
    store = RunStore(plan)
    store.open()
    pending = store.pending()
    for spec in plan.specs:
        done = store.done(spec)
        if done is not None:
            progress(f"seed {spec.seed}: finished earlier ({done.status.value}), skipped")
    if pending:
        store.refresh(fingerprint or backend.preflight(pending[0]))
    for spec in pending:
        reaped = attempt.reap(spec.seed_dir)  # before prepare(): the footprint is in the old folder
        store.prepare(spec)
        progress(f"seed {spec.seed}: running ({backend.name}, deadline {spec.budget.deadline_s:.0f}s)")
        try:
            record = backend.run(spec, sink)
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            store.release_reserve()
            record = disk_full_record(spec, backend.name, exc, getattr(backend, "fingerprint", None))
        if reaped:
            record = record.model_copy(update={"evidence": [*reaped, *record.evidence]})
        if not record.process.disk_full and _nearly_full(spec.seed_dir):
            # the run's own writes may have failed where ours did not: the result is not the submission's
            record = record.model_copy(
                update={
                    "process": record.process.model_copy(update={"disk_full": True}),
                    "evidence": [*record.evidence, f"less than {NEARLY_FULL_BYTES >> 20} MiB free when the seed ended"],
                }
            )
        store.save(record, spec)
        progress(summary(record))
        if record.process.disk_full:
            raise DiskFull(
                f"seed {spec.seed}: the disk under {plan.run_dir} filled up (the record says so); "
                "free space, then re-run the same command: the seed runs again"
            )
    return load_run(plan.run_dir)
