"""Shared by both backends: stage a seed's folder before the run, turn what happened into a SeedRecord.

A backend only executes (processes or a container) and reports an `Execution`; everything measured
afterwards (phases, artifact bytes, the parsed log, the data-access trace, the verdict) is computed
here once, so the two backends cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pgolf import __version__
from pgolf.logs.model import ParsedLog
from pgolf.runner import outputs
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
    Timing,
    TraceSummary,
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


# A model file larger than this is measured but not hashed (a planted sparse file of many GiB would
# otherwise cost minutes); its size still counts against the cap.
HASH_LIMIT_FACTOR = 4


def _hash_limit(spec: RunSpec) -> int:
    return HASH_LIMIT_FACTOR * spec.max_artifact_bytes


def _unchanged(spec: RunSpec, entry: outputs.Entry) -> bool:
    """A file the staging copy brought along untouched (copy2 keeps size and mtime)."""
    source = outputs.lstat(spec.source_dir, entry.rel)
    if source is None or source.kind != "file":
        return False
    return (source.size, source.mtime_ns) == (entry.size, entry.mtime_ns)


def _describe(rel: str, entry: outputs.Entry) -> str:
    target = f" to {entry.target}" if entry.target is not None else ""
    return f"{rel} is a {entry.kind}{target}: not followed, not counted"


def _produced(spec: RunSpec) -> tuple[list[str], list[str]]:
    """(files matching the artifact globs, relative to the seed folder; refusals). Nothing in the
    output folder is followed: a matching symlink or FIFO is refused, never read."""
    found: dict[str, None] = {}
    refused: list[str] = []
    for folder, only_changed in ((spec.artifact_dir, False), (spec.work_dir, True)):
        rel_root = folder.relative_to(spec.seed_dir).as_posix()
        listing = outputs.walk(spec.seed_dir, rel_root)
        if listing.refused is not None:
            refused.append(f"{rel_root}: {listing.refused}")
        if listing.truncated:
            refused.append(
                f"{rel_root}: over {outputs.MAX_ENTRIES:,} entries or {outputs.MAX_DEPTH} levels: the rest not counted"
            )
        for entry in sorted(listing.entries, key=lambda e: e.rel):
            if entry.kind == "dir" or not any(outputs.matches(entry.rel, p) for p in spec.artifact_globs):
                continue
            rel = f"{rel_root}/{entry.rel}"
            if entry.kind != "file":
                refused.append(_describe(rel, entry))
            elif not (only_changed and _unchanged(spec, entry)):
                found[rel] = None
    return list(found), refused


def _artifact(root: Path, rel: str, shown: str, kind: Literal["model", "code"], limit: int) -> ArtifactFile:
    digest, size = outputs.sha256(root, rel, limit)
    return ArtifactFile(path=shown, bytes=size, sha256=digest, kind=kind)


def scan_artifacts(spec: RunSpec, parsed: ParsedLog | None) -> Artifacts:
    """Measure the model files the run produced, then count code as `pgolf check` does (pgolf.artifact):
    the logged code size as practiced, the shipped code (entry + loaded files) as written. Nothing in
    the output folder is followed; what was refused is listed."""
    from pgolf.artifact import account_artifact
    from pgolf.folder import load_folder

    produced, refused = _produced(spec)
    models: list[ArtifactFile] = []
    for rel in produced:
        try:
            models.append(_artifact(spec.seed_dir, rel, rel, "model", _hash_limit(spec)))
        except FileNotFoundError:
            continue
        except (OSError, outputs.Refused) as exc:  # replaced between listing and opening
            refused.append(f"{rel}: {exc}")
    model = sum(f.bytes for f in models)
    account = account_artifact(
        load_folder(spec.source_dir, hash_files=False),
        [parsed] if parsed is not None else [],
        model_bytes=model if models else None,
        cap=spec.max_artifact_bytes,
    )
    files: list[ArtifactFile] = []
    for code in [c for c in (account.entry, *account.loaded) if c is not None]:
        try:
            files.append(_artifact(spec.source_dir, code.path, f"source/{code.path}", "code", _hash_limit(spec)))
        except FileNotFoundError:
            continue
        except (OSError, outputs.Refused) as exc:
            refused.append(f"source/{code.path}: {exc}")
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
        refused=refused,
    )


def status_of(outcome: ProcessOutcome) -> SeedStatus:
    if outcome.timed_out:
        return SeedStatus.TIMED_OUT
    if outcome.exit_code == 0 and not outcome.setup_failed:
        # exiting 0 while leaving processes behind is no clean end: what they did is unaccounted
        return SeedStatus.FAILED if outcome.survivor_count or outcome.group_survivors else SeedStatus.OK
    if outcome.signal is not None and not (outcome.term_sent or outcome.kill_sent):
        return SeedStatus.KILLED
    return SeedStatus.FAILED


def _verdict(status: SeedStatus, score: float | None, artifacts: Artifacts, outcome: ProcessOutcome) -> list[str]:
    violations = []
    if status is SeedStatus.TIMED_OUT:
        violations.append("deadline-exceeded")
    if artifacts.exceeds_cap:
        violations.append("artifact-too-large")
    if status is SeedStatus.OK and score is None:
        violations.append("no-score")
    if outcome.survivor_count or outcome.group_survivors:
        violations.append("processes-outlived-run")
    if artifacts.refused:
        violations.append("refused-output")
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
    outcome = execution.outcome
    if outcome.survivor_count:
        shown = "; ".join(f"pid {s.pid} (session {s.sid}): {s.cmdline or '?'}" for s in outcome.survivors[:5])
        more = f" and {outcome.survivor_count - 5} more" if outcome.survivor_count > 5 else ""
        notes.append(f"{outcome.survivor_count} process(es) outlived the command and were killed: {shown}{more}")
    elif outcome.group_survivors:
        notes.append("processes of the run outlived it and were killed")
    if outcome.disk_full:
        notes.append("the disk filled up during the seed: output or records may be incomplete")
    for refusal in record.artifacts.refused + trace.refused_files:
        notes.append(f"refused: {refusal}")
    if trace.truncated:
        notes.append("the audit trace exceeded the read caps; the rest was not read")
    if record.score_bpb is not None and record.admissible_score is None:
        notes.append(
            f"the log printed val_bpb {record.score_bpb} but the seed {record.status.value} (exit {record.exit_code}): "
            "the score is not counted"
        )
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
    trace = summarize(spec.trace_dir, prefixes, report, execution.trace_clock, root=spec.seed_dir)
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
        score_admissible=status is SeedStatus.OK,
        claim=spec.claim,
        parsed_log=parsed,
        parse_note=parse_note,
        progress=training_progress(parsed) if parsed is not None else None,
        fingerprint=execution.fingerprint,
        trace=trace,
        violations=_verdict(status, score, artifacts, execution.outcome),
        files={
            "raw_log": spec.raw_log.relative_to(run_dir).as_posix(),
            "stamped_log": spec.stamped_log.relative_to(run_dir).as_posix(),
            "trace_dir": spec.trace_dir.relative_to(run_dir).as_posix(),
        },
    )
    return record.model_copy(update={"evidence": _evidence(spec, execution, record)})


def disk_full_record(
    spec: RunSpec, backend: str, error: OSError, fingerprint: EnvFingerprint | None = None
) -> SeedRecord:
    """The record of a seed that could not run or be recorded because the disk filled up (staging
    the copy, writing a log): it says so, and a resume runs the seed again (store.finished)."""
    now = dt.datetime.now(dt.UTC)
    where = f" ({error.filename})" if error.filename else ""
    run_dir = spec.seed_dir.parent
    return SeedRecord(
        pgolf_version=__version__,
        name=spec.name,
        run_id=spec.run_id,
        seed=spec.seed,
        backend=spec.backend,
        isolation=f"{backend}: not started",
        status=SeedStatus.FAILED,
        exit_code=None,
        started=now,
        ended=now,
        wall_s=0.0,
        deadline_s=spec.budget.deadline_s,
        process=ProcessOutcome(exit_code=None, disk_full=True, notes=[f"{error.strerror}{where}"]),
        timing=Timing(wall_s=0.0),
        artifacts=Artifacts(cap_bytes=spec.max_artifact_bytes),
        score_admissible=False,
        fingerprint=fingerprint or EnvFingerprint(notes=["not recorded: the disk was full"]),
        trace=TraceSummary(),
        evidence=[f"the disk filled up before the seed could run or be recorded: {error.strerror}{where}"],
        files={"raw_log": spec.raw_log.relative_to(run_dir).as_posix()},
    )
