"""Run folders on disk: the plan, an index, and one record per seed, each written atomically.

    reports/<name>/<run-id>/plan.json          what was planned (written once)
    reports/<name>/<run-id>/index.json         which seeds are done (rewritten after every seed)
    reports/<name>/<run-id>/seed-<s>/record.json   the SeedRecord, the last thing a seed writes

A seed is finished when its record.json exists, whatever its status, unless the record says the disk
filled up (that is the machine's failure, not the submission's result). A seed folder without a
finished record was interrupted: on resume it is moved aside (kept as evidence) and the seed runs
again.

A full disk must not cost the record that says so: the run folder keeps a reserve file that is
deleted to make room for the last records when a write fails for lack of space.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from pgolf import __version__
from pgolf.errors import EnvironmentMissing, InputError, UsageError
from pgolf.runner.clock import SYSTEM_CLOCK, Clock
from pgolf.runner.model import EnvFingerprint, Plan, RunIndex, RunRecord, RunSpec, SeedEntry, SeedRecord

PLAN_FILE = "plan.json"
INDEX_FILE = "index.json"
RESERVE_FILE = ".pgolf-reserve"
RESERVE_BYTES = 16 << 20  # a few records and indexes, with their parsed logs
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


class DiskFull(EnvironmentMissing):
    """The disk under the run folder is full: free space, then re-run the same command to resume."""


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def write_atomic(path: Path, text: str) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over the target: a reader
    (or a resume after a crash) sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_model(path: Path, model: BaseModel) -> None:
    write_atomic(path, model.model_dump_json(indent=2) + "\n")


M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


def _read(path: Path, model: type[M]) -> M:
    try:
        return model.model_validate_json(path.read_text("utf-8"))
    except (OSError, ValidationError, ValueError) as exc:
        raise InputError(f"{path}: unreadable {model.__name__}: {exc}") from exc


def finished(record: SeedRecord | None) -> bool:
    """A record that stands: anything but one written because the disk filled up."""
    return record is not None and not record.process.disk_full


def read_record(path: Path) -> SeedRecord | None:
    """A seed's record, or None when the seed has not finished (absent or torn file)."""
    if not path.is_file():
        return None
    try:
        return SeedRecord.model_validate_json(path.read_text("utf-8"))
    except (OSError, ValidationError, ValueError):
        return None


class RunStore:
    def __init__(self, plan: Plan, clock: Clock = SYSTEM_CLOCK) -> None:
        self.plan = plan
        self.run_dir = plan.run_dir
        self._clock = clock

    def open(self) -> RunIndex:
        """Create the run folder, or check that an existing one holds the same plan (resume)."""
        plan_file = self.run_dir / PLAN_FILE
        if plan_file.is_file():
            existing = _read(plan_file, Plan)
            if existing.plan_hash != self.plan.plan_hash:
                raise UsageError(
                    f"{self.run_dir} holds a different plan (hash {existing.plan_hash[:12]}); "
                    "pass --fresh or another --run-id"
                )
        else:
            self._write(lambda: write_model(plan_file, self.plan))
        self.reserve()
        return self._write(self.refresh)

    def reserve(self) -> None:
        """(Re)create the reserve file; a disk too full for it is reported before any seed runs."""
        path = self.run_dir / RESERVE_FILE
        try:
            size = path.stat().st_size if path.is_file() else 0
            if size < RESERVE_BYTES:
                with path.open("ab") as handle:
                    handle.write(b"\0" * (RESERVE_BYTES - size))
                    handle.flush()
                    os.fsync(handle.fileno())
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            path.unlink(missing_ok=True)
            raise DiskFull(f"no space left under {self.run_dir}: free some, then re-run the same command") from exc

    def release_reserve(self) -> bool:
        """Make room for the records that say the disk is full. False when there was no reserve."""
        path = self.run_dir / RESERVE_FILE
        existed = path.is_file()
        path.unlink(missing_ok=True)
        return existed

    def _write(self, write: Callable[[], T]) -> T:
        """A write of ours; on a full disk, once more after giving up the reserve."""
        try:
            return write()
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            if not self.release_reserve():
                raise DiskFull(f"no space left under {self.run_dir}: free some, then re-run the same command") from exc
        try:
            return write()
        except OSError as exc:
            if not is_disk_full(exc):
                raise
            raise DiskFull(f"no space left under {self.run_dir}: free some, then re-run the same command") from exc

    def refresh(self, fingerprint: EnvFingerprint | None = None) -> RunIndex:
        """Rebuild the index from the records on disk and write it."""
        old = self.load_index()
        attempts = {e.seed: e.interrupted_attempts for e in old.seeds} if old else {}
        entries = []
        for spec in self.plan.specs:
            record = read_record(spec.record_path)
            entries.append(
                SeedEntry(
                    seed=spec.seed,
                    state="done" if finished(record) else "pending",
                    status=None if record is None else record.status,
                    record=None if record is None else spec.record_path.relative_to(self.run_dir).as_posix(),
                    interrupted_attempts=attempts.get(spec.seed, 0),
                )
            )
        now = self._clock.utc_now()
        index = RunIndex(
            pgolf_version=__version__,
            name=self.plan.name,
            run_id=self.plan.run_id,
            plan_hash=self.plan.plan_hash,
            backend=self.plan.backend,
            created=old.created if old else now,
            updated=now,
            fingerprint=fingerprint or (old.fingerprint if old else None),
            seeds=entries,
        )
        write_model(self.run_dir / INDEX_FILE, index)
        return index

    def load_index(self) -> RunIndex | None:
        path = self.run_dir / INDEX_FILE
        return _read(path, RunIndex) if path.is_file() else None

    def done(self, spec: RunSpec) -> SeedRecord | None:
        record = read_record(spec.record_path)
        return record if finished(record) else None

    def pending(self) -> list[RunSpec]:
        """Seeds without a finished record, in plan order: a resume starts at the first unfinished one."""
        return [spec for spec in self.plan.specs if not finished(read_record(spec.record_path))]

    def prepare(self, spec: RunSpec) -> None:
        """Move an interrupted attempt's folder aside, so the seed starts from a fresh copy."""
        if not spec.seed_dir.exists():
            return
        attempt = 1
        while (target := spec.seed_dir.with_name(f"{spec.seed_dir.name}.interrupted-{attempt}")).exists():
            attempt += 1
        spec.seed_dir.rename(target)
        index = self.load_index()
        if index is not None:
            seeds = [
                e.model_copy(update={"interrupted_attempts": attempt}) if e.seed == spec.seed else e
                for e in index.seeds
            ]
            updated = index.model_copy(update={"seeds": seeds})
            self._write(lambda: write_model(self.run_dir / INDEX_FILE, updated))

    def save(self, record: SeedRecord, spec: RunSpec) -> RunIndex:
        self._write(lambda: write_model(spec.record_path, record))
        return self._write(self.refresh)


def load_run(run_dir: Path) -> RunRecord:
    """Read a run folder back: the report writer's and the dynamic checks' entry point."""
    plan = _read(run_dir / PLAN_FILE, Plan)
    index_path = run_dir / INDEX_FILE
    if not index_path.is_file():
        raise InputError(f"{run_dir}: no {INDEX_FILE}; not a pgolf run folder")
    index = _read(index_path, RunIndex)
    seeds = [r for spec in plan.specs if (r := read_record(run_dir / spec.record_path.relative_to(plan.run_dir)))]
    return RunRecord(plan=plan, index=index, seeds=seeds)
