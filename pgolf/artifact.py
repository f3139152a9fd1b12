"""Artifact bytes in one place: code bytes + compressed model bytes, as practiced and as written.

SIZE-CAP counts code bytes plus compressed model bytes against 16,000,000 (decimal). Two
accountings of the code exist (RULES.md CODE-BYTES, ENVIRONMENT.md §3.5):
- as practiced (`leaderboard`): the run's own `Total submission size` line, i.e. the code size
  the script logged (`Code size: N` = the raw entry script, or `Code size (compressed): N`, an
  estimate of a minified lzma wrapper) plus the model blob it wrote;
- as written (`readme`): the shipped bytes of train_gpt.py plus every code file it execs or
  imports from the folder (pgolf.audit.sources follows those loads without running anything),
  plus the model blob (a measured size when a reproduction has one, else the logged or shipped one).
A loaded code file that an accounting leaves out is listed in `excluded` with the reason, so the
check that reports the number can say so (and WARN) instead of passing silently.

`account_artifact` is used by PG201/PG202 and by the runner's report (a measured model size).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from pgolf.audit.sources import SourceSet, gather_sources
from pgolf.findings import Evidence, Location, PolicyName
from pgolf.folder import FileRole, SubmissionFolder
from pgolf.logs.model import LogRole, ParsedLog, SizeKind

# A loader line that runs another file as the program: exec(open(...).read()), runpy.run_path(...).
_EXEC_LOAD = re.compile(r"(?<![\w.])exec\s*\(|runpy\.run_path")


class CodeCount(StrEnum):
    """What a log's `Code size` line measured."""

    RAW_ENTRY = "raw entry script"  # `Code size: N` equal to the shipped train_gpt.py bytes
    COMPRESSED_ESTIMATE = "compressed estimate"  # `Code size (compressed): N`: a hypothetical wrapper
    OTHER = "other"  # a raw count that is not the shipped entry's size (edited after the run, or helpers in)
    NONE = "not logged"


class CodeFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    shipped_bytes: int
    loaded_by: Location | None = None  # None for the entry script
    executed: bool = False  # run as the program (`exec(open(...).read())`), not imported as a module


class ExcludedFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    shipped_bytes: int
    reason: str


class RunAccount(BaseModel):
    """One run's artifact under both accountings (a log with size lines, or a measured model)."""

    model_config = ConfigDict(frozen=True)

    source: str  # the log path, or "measured"
    model_bytes: int | None
    practiced_total: int | None  # the logged `Total submission size <fmt>`
    logged_code_bytes: int | None
    code_count: CodeCount
    written_total: int | None  # shipped code (entry + loaded files) + model bytes
    evidence: list[Evidence] = Field(default_factory=list)

    def total(self, policy: PolicyName) -> int | None:
        return self.practiced_total if policy == "leaderboard" else self.written_total


class ArtifactBytes(BaseModel):
    """The folder's artifact accounting: code files, exclusions, and one account per run."""

    entry: CodeFile | None
    loaded: list[CodeFile] = Field(default_factory=list)  # files the entry script execs or imports
    excluded: list[ExcludedFile] = Field(default_factory=list)
    shipped_models: list[CodeFile] = Field(default_factory=list)  # model blobs shipped in the folder
    runs: list[RunAccount] = Field(default_factory=list)

    @property
    def shipped_code_bytes(self) -> int | None:
        if self.entry is None:
            return None
        return self.entry.shipped_bytes + sum(f.shipped_bytes for f in self.loaded)

    def largest(self, policy: PolicyName) -> RunAccount | None:
        """The run with the largest total under `policy` (the one the cap is judged on)."""
        counted = [r for r in self.runs if r.total(policy) is not None]
        return max(counted, key=lambda r: r.total(policy) or 0) if counted else None


def _code_files(folder: SubmissionFolder, sources: SourceSet) -> tuple[CodeFile | None, list[CodeFile]]:
    entry_src = sources.entry
    if entry_src is None:
        return None, []
    entry_path = entry_src.path
    shipped = folder.get(entry_path)
    entry = CodeFile(path=entry_path, shipped_bytes=shipped.size if shipped else len(entry_src.text.encode()))
    loaded: dict[str, CodeFile] = {}
    for src in sources.helpers:
        file = folder.get(src.path)
        if file is not None and src.path != entry_path:
            executed = bool(src.loaded_by and src.loaded_by.excerpt and _EXEC_LOAD.search(src.loaded_by.excerpt))
            loaded.setdefault(
                src.path,
                CodeFile(path=src.path, shipped_bytes=file.size, loaded_by=src.loaded_by, executed=executed),
            )
    return entry, sorted(loaded.values(), key=lambda f: f.path)


def _code_count(log: ParsedLog, entry: CodeFile | None) -> tuple[CodeCount, int | None]:
    line = log.size(SizeKind.CODE)
    if line is None:
        return CodeCount.NONE, None
    if line.fmt == "compressed":
        return CodeCount.COMPRESSED_ESTIMATE, line.bytes
    if entry is not None and line.bytes == entry.shipped_bytes:
        return CodeCount.RAW_ENTRY, line.bytes
    return CodeCount.OTHER, line.bytes


def _ev(log: ParsedLog, line: int, text: str, note: str, measured: int | None, limit: int | None) -> Evidence:
    return Evidence(
        location=Location(path=log.path, line=line, excerpt=text[:300]), note=note, measured=measured, limit=limit
    )


def account_artifact(
    folder: SubmissionFolder,
    logs: Sequence[ParsedLog] = (),
    *,
    model_bytes: int | None = None,
    sources: SourceSet | None = None,
    cap: int | None = None,
) -> ArtifactBytes:
    """Both accountings for every run of the folder (see the module docstring).

    `logs`: the logs to account (PG201/PG202 pass the logs backing the claim); `model_bytes`: a
    measured model blob (a reproduction's), accounted as an extra run; `sources`: the gathered
    code (`CheckContext.sources`), gathered here when not given; `cap`: the limit quoted in evidence.
    """
    sources = sources if sources is not None else gather_sources(folder)
    entry, loaded = _code_files(folder, sources)
    out = ArtifactBytes(entry=entry, loaded=loaded)
    out.shipped_models = [
        CodeFile(path=f.path, shipped_bytes=f.size) for f in folder.by_role(FileRole.MODEL) if "/" not in f.path
    ]
    shipped_code = out.shipped_code_bytes
    excluded_by_logs = False
    for log in logs:
        if log.role is LogRole.REFERENCE:
            continue
        total, model = log.size(SizeKind.TOTAL), log.size(SizeKind.MODEL)
        if total is None and model is None:
            continue
        count, code = _code_count(log, entry)
        evidence: list[Evidence] = []
        if total is not None:
            evidence.append(_ev(log, total.line, total.text, "logged artifact total", total.bytes, cap))
        written = shipped_code + model.bytes if shipped_code is not None and model is not None else None
        if model is not None and written is not None:
            note = f"shipped code ({shipped_code:,} B: {_code_names(entry, loaded)}) + logged model ({model.bytes:,} B)"
            evidence.append(_ev(log, model.line, model.text, note, written, cap))
        if loaded and count in (CodeCount.RAW_ENTRY, CodeCount.COMPRESSED_ESTIMATE):
            excluded_by_logs = True
        out.runs.append(
            RunAccount(
                source=log.path,
                model_bytes=model.bytes if model is not None else None,
                practiced_total=total.bytes if total is not None else None,
                logged_code_bytes=code,
                code_count=count,
                written_total=written,
                evidence=evidence,
            )
        )
    if model_bytes is not None:
        written = shipped_code + model_bytes if shipped_code is not None else None
        logged_codes = [r.logged_code_bytes for r in out.runs if r.logged_code_bytes is not None]
        practiced = max(logged_codes) + model_bytes if logged_codes else None
        note = f"measured model blob ({model_bytes:,} B) + shipped code ({shipped_code or 0:,} B)"
        out.runs.append(
            RunAccount(
                source="measured",
                model_bytes=model_bytes,
                practiced_total=practiced,
                logged_code_bytes=max(logged_codes) if logged_codes else None,
                code_count=CodeCount.NONE,
                written_total=written,
                evidence=[Evidence(location=Location(), note=note, measured=written, limit=cap)],
            )
        )
    if excluded_by_logs:
        for f in loaded:
            reason = (
                f"loaded at run time ({f.loaded_by.render() if f.loaded_by else 'by the entry script'}) but not in "
                f"the logged code size, which counts {entry.path if entry else 'the entry script'} only"
            )
            out.excluded.append(ExcludedFile(path=f.path, shipped_bytes=f.shipped_bytes, reason=reason))
    return out


def _code_names(entry: CodeFile | None, loaded: list[CodeFile]) -> str:
    names = [entry.path] if entry else []
    names += [f.path for f in loaded[:4]]
    more = f" and {len(loaded) - 4} more" if len(loaded) > 4 else ""
    return " + ".join(names) + more
