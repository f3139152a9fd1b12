"""Shared by both backends: stage a seed's folder before the run, turn what happened into a SeedRecord.

A backend only executes (processes or a container) and reports an `Execution`; everything measured
afterwards (phases, artifact bytes, the parsed log, the data-access trace, the verdict) is computed
here once, so the two backends cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path

from pgolf import __version__
from pgolf.logs.model import ParsedLog
from pgolf.runner import phases as phases_mod
from pgolf.runner.model import (
    ArtifactFile,
    Artifacts,
    EnvFingerprint,
    ProcessOutcome,
    RunSpec,
    SeedRecord,
    SeedStatus,
    StampedLine,
)
from pgolf.runner.progress import training_progress
from pgolf.runner.trace import TraceClock, summarize

ISOLATION_LOCAL = "local: process group only"


@dataclass
class Execution:
    """What a backend observed: the process outcome and the stamped lines, on our clock."""

    outcome: ProcessOutcome
    lines: list[StampedLine]
    t0_ns: int  # seed start (before setup)
    launch_ns: int  # the training command started
    exit_ns: int
    started: dt.datetime
    ended: dt.datetime
    isolation: str
    fingerprint: EnvFingerprint
    trace_clock: TraceClock
    extra_evidence: list[str] = field(default_factory=list)


def stage(spec: RunSpec) -> None:
    """A fresh seed folder: a writable copy of the submission (setup steps and artifacts land there),
    the ARTIFACT_DIR, the trace folder and cold compile caches. The source folder is never written."""
    spec.seed_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(spec.source_dir, spec.work_dir, symlinks=True)
    # Exported PR folders are read-only (pgolf.sources) and copytree keeps modes: make the copy ours.
    for path in [spec.work_dir, *spec.work_dir.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | stat.S_IWUSR | (stat.S_IXUSR if path.is_dir() else 0))
    for folder in (
        spec.artifact_dir,
        spec.trace_dir,
        spec.home_dir,
        spec.cache_dir / "inductor",
        spec.cache_dir / "triton",
    ):
        folder.mkdir(parents=True, exist_ok=True)


def status_of(outcome: ProcessOutcome) -> SeedStatus:
    if outcome.timed_out:
        return SeedStatus.TIMED_OUT
    if outcome.exit_code == 0 and not outcome.setup_failed:
        return SeedStatus.OK
    if outcome.signal is not None and not (outcome.term_sent or outcome.kill_sent):
        return SeedStatus.KILLED
    return SeedStatus.FAILED


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _unchanged(path: Path, source: Path) -> bool:
    """A file the staging copy brought along untouched (copy2 keeps size and mtime)."""
    if not source.is_file():
        return False
    a, b = path.stat(), source.stat()
    return a.st_size == b.st_size and a.st_mtime_ns == b.st_mtime_ns


def _produced(spec: RunSpec) -> list[Path]:
    found: dict[Path, None] = {}
    for pattern in spec.artifact_globs:
        for path in sorted(spec.artifact_dir.glob(pattern)):
            if path.is_file():
                found[path] = None
        for path in sorted(spec.work_dir.glob(pattern)):
            if path.is_file() and not _unchanged(path, spec.source_dir / path.relative_to(spec.work_dir)):
                found[path] = None
    return list(found)


def scan_artifacts(spec: RunSpec, parsed: ParsedLog | None) -> Artifacts:
    """Measure the model files the run produced, then count code as `pgolf check` does (pgolf.artifact):
    the logged code size as practiced, the shipped code (entry + loaded files) as written."""
    from pgolf.artifact import account_artifact
    from pgolf.folder import load_folder

    models: list[ArtifactFile] = []
    for path in _produced(spec):
        rel = path.relative_to(spec.seed_dir).as_posix()
        models.append(ArtifactFile(path=rel, bytes=path.stat().st_size, sha256=_sha256(path), kind="model"))
    model = sum(f.bytes for f in models)
    account = account_artifact(
        load_folder(spec.source_dir, hash_files=False),
        [parsed] if parsed is not None else [],
        model_bytes=model if models else None,
        cap=spec.max_artifact_bytes,
    )
    files: list[ArtifactFile] = []
    for code in [c for c in (account.entry, *account.loaded) if c is not None]:
        path = spec.source_dir / code.path
        if path.is_file():
            size, digest = path.stat().st_size, _sha256(path)
            files.append(ArtifactFile(path=f"source/{code.path}", bytes=size, sha256=digest, kind="code"))
    files += models
    code_bytes = account.shipped_code_bytes or 0
    logged = next((run for run in account.runs if parsed is not None and run.source == parsed.path), None)
    measured = next((run for run in account.runs if run.source == "measured"), None)
    cap = spec.max_artifact_bytes
    practiced = measured.practiced_total if measured is not None else None
    written = measured.written_total if measured is not None else None
    reported = logged.practiced_total if logged is not None else None
    logged_model = logged.model_bytes if logged is not None else None
    return Artifacts(
        files=files,
        code_bytes=code_bytes,
        model_bytes=model,
        total_bytes=code_bytes + model,
        cap_bytes=cap,
        exceeds_cap=(practiced if practiced is not None else code_bytes + model) > cap,
        reported_total_bytes=reported,
        practiced_bytes=practiced,
        written_bytes=written,
        logged_code_bytes=logged.logged_code_bytes if logged is not None else None,
        code_count=logged.code_count.value if logged is not None else None,
        logged_model_bytes=logged_model,
        model_matches_log=model == logged_model if models and logged_model is not None else None,
        practiced_matches_log=practiced == reported if practiced is not None and reported is not None else None,
        exceeds_cap_practiced=practiced > cap if practiced is not None else None,
        exceeds_cap_written=written > cap if written is not None else None,
        uncounted_code=[f"{e.path}: {e.reason}" for e in account.excluded],
    )


def _verdict(status: SeedStatus, score: float | None, artifacts: Artifacts) -> list[str]:
    violations = []
    if status is SeedStatus.TIMED_OUT:
        violations.append("deadline-exceeded")
    if artifacts.exceeds_cap:
        violations.append("artifact-too-large")
    if status is SeedStatus.OK and score is None:
        violations.append("no-score")
    return violations


def _evidence(spec: RunSpec, execution: Execution, record: SeedRecord) -> list[str]:
    trace = record.trace
    notes = list(execution.extra_evidence)
    if not trace.hook_active:
        notes.append("audit hook wrote no trace: data access and network use were not observed")
    if trace.train_shards_after_stop:
        shards = sorted({a.path for a in trace.train_shards_after_stop})
        phases = sorted({a.phase for a in trace.train_shards_after_stop})
        notes.append(
            f"training shards opened after the training stop line: {', '.join(shards[:10])} "
            f"(phases: {', '.join(phases)}; GPTQ calibration reads them by design, GPTQ-CALIB-TIMING times it)"
        )
    if trace.sockets:
        notes.append(f"{len(trace.sockets)} non-loopback network event(s), first: {trace.sockets[0].address}")
    if execution.outcome.group_survivors:
        notes.append("processes of the run's group outlived it and were killed")
    if record.artifacts.model_bytes == 0:
        notes.append(f"no produced file matched the artifact globs {', '.join(spec.artifact_globs)}")
    return notes


def finalize(spec: RunSpec, execution: Execution) -> SeedRecord:
    report = phases_mod.analyse(
        execution.lines, execution.t0_ns, execution.launch_ns, execution.exit_ns, spec.raw_log.name
    )
    parsed, parse_note = report.parsed, report.parse_note
    score, label = report.final_bpb, report.final_label
    artifacts = scan_artifacts(spec, parsed)
    prefixes = tuple(dict.fromkeys((spec.dataset_prefix.rstrip("/") + "/", spec.dataset_prefix)))
    trace = summarize(spec.trace_dir, prefixes, report, execution.trace_clock)
    status = status_of(execution.outcome)
    run_dir = spec.seed_dir.parent
    record = SeedRecord(
        pgolf_version=__version__,
        name=spec.name,
        run_id=spec.run_id,
        seed=spec.seed,
        backend=spec.backend,
        isolation=execution.isolation,
        status=status,
        exit_code=execution.outcome.exit_code,
        started=execution.started,
        ended=execution.ended,
        wall_s=report.timing.wall_s,
        deadline_s=spec.budget.deadline_s,
        process=execution.outcome,
        timing=report.timing,
        artifacts=artifacts,
        score_bpb=score,
        score_label=label,
        claim=spec.claim,
        parsed_log=parsed,
        parse_note=parse_note,
        progress=training_progress(parsed) if parsed is not None else None,
        fingerprint=execution.fingerprint,
        trace=trace,
        violations=_verdict(status, score, artifacts),
        files={
            "raw_log": spec.raw_log.relative_to(run_dir).as_posix(),
            "stamped_log": spec.stamped_log.relative_to(run_dir).as_posix(),
            "trace_dir": spec.trace_dir.relative_to(run_dir).as_posix(),
        },
    )
    return record.model_copy(update={"evidence": _evidence(spec, execution, record)})
