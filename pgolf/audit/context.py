"""Building the analysis for a check context: gather sources, read the run configuration, analyse.

The run configuration (which flags the submitted run used) comes from the logs' Hyperparameters
blocks and the README's `NAME=value` command settings. Log parsing belongs to pgolf.logs; when it
cannot run, the analysis proceeds with the code's defaults.

This module sees the check context only through `AuditContext` (what it reads from it), so the
catalogue may import it without an import circle.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from pgolf.audit.analysis import Analysis, analyze
from pgolf.audit.config import RunConfig, config_from_texts
from pgolf.audit.deepstack import DEEP_RECURSION, deep
from pgolf.audit.ran import LogText
from pgolf.audit.sources import GatherProblem, ProblemKind, SourceSet
from pgolf.errors import PgolfError
from pgolf.findings import Location
from pgolf.folder import FileRole, SubmissionFolder

if TYPE_CHECKING:
    from pgolf.logs.model import ParsedLog
    from pgolf.logs.selection import LogSelection


class AuditContext(Protocol):
    """The part of pgolf.catalogue.CheckContext the audit reads."""

    @property
    def folder(self) -> SubmissionFolder: ...

    @property
    def logs(self) -> Sequence[ParsedLog]: ...

    @property
    def claim_logs(self) -> LogSelection: ...


def logs_of(ctx: AuditContext) -> list[ParsedLog]:
    """The parsed logs, or none when the log parser is unavailable or rejects the folder."""
    try:
        return list(ctx.logs)
    except (ImportError, PgolfError):
        return []


def run_config(ctx: AuditContext) -> RunConfig:
    readmes = ctx.folder.by_role(FileRole.README)
    readme: str | None = None
    if readmes:
        try:
            readme = ctx.folder.read_text(readmes[0], cap=4 * 1024 * 1024)
        except PgolfError:
            readme = None
    logs = logs_of(ctx)
    hyper: list[Mapping[str, str]] = [{k: v.value for k, v in log.hyperparameters.items()} for log in logs]
    cfg = config_from_texts(
        readme, hyper, readme_path=readmes[0].path if readmes else "README.md", log_paths=[log.path for log in logs]
    )
    cfg.logs = claim_log_texts(ctx.folder, _claim_bearing(ctx, logs))
    return cfg


def _claim_bearing(ctx: AuditContext, logs: Sequence[ParsedLog]) -> list[ParsedLog]:
    """The logs backing the claim (pgolf.logs.selection), else every run with a final score."""
    from pgolf.logs.model import LogRole

    try:
        judged = list(ctx.claim_logs.judged)
    except (ImportError, PgolfError, AttributeError):
        judged = []
    return judged or [
        log for log in logs if log.final is not None and log.role not in (LogRole.REFERENCE, LogRole.UNKNOWN)
    ]


def claim_log_texts(folder: SubmissionFolder, logs: Sequence[ParsedLog]) -> list[LogText]:
    """The text of the logs the claim rests on (their source dumps are skipped by the evidence search)."""
    out: list[LogText] = []
    for log in logs:
        entry = folder.get(log.path)
        if entry is None:
            continue
        try:
            text = folder.read_text(entry)
        except PgolfError:
            continue
        out.append(LogText(path=log.path, text=text, dump=log.source_dump))
    return out


def analysis_for(ctx: AuditContext, sources: SourceSet) -> Analysis | None:
    if not sources.python:
        return None
    config = run_config(ctx)
    try:
        return deep(lambda: analyze(sources, config))
    except (RecursionError, MemoryError):
        # Machine-generated expressions thousands of levels deep: a cap, reported (never a silent pass).
        where = sources.entry.location(None) if sources.entry else Location(path="train_gpt.py")
        sources.problems.append(
            GatherProblem(
                where,
                f"the code is nested deeper than the static analysis follows ({DEEP_RECURSION} frames)",
                blocking=True,
                kind=ProblemKind.CAP,
            )
        )
        return None
