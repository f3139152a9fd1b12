"""PG418 uncounted-code: code that runs must be shipped, and counted code lives in train_gpt.py."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_misc import outside_code
from pgolf.audit.report import CodeFinding, outcome
from pgolf.audit.sources import ProblemKind, SourceSet
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Location, Status


class UncountedCode:
    code: ClassVar[str] = "PG418"
    slug: ClassVar[str] = "uncounted-code"
    rule: ClassVar[str] = "CODE-BYTES"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        sources = ctx.sources
        if sources.entry is None:
            return CheckOutcome(status=Status.SKIP, message="no train_gpt.py in the folder: nothing to count")
        findings = self._helpers(sources) + self._problems(sources, record=ctx.track.record)
        analysis = ctx.analysis
        if analysis is not None:
            shipped = {f.path for f in ctx.folder.files} | sources.written  # a wrapper's decoded files are shipped
            for load in outside_code(analysis, shipped):
                note = (
                    f"loads code from `{load.path}`, which is not in the record folder: it is neither shipped "
                    "nor counted"
                )
                findings.append(CodeFinding(Status.FAIL, load.at, note))
        notes: list[tuple[Location, str]] = []
        for src in sources.files:
            if src.decoded_from:
                notes.append((src.location(None), f"analysed the decoded source ({src.decoded_from})"))
        return outcome(findings, "all code that runs lives in train_gpt.py", notes=notes)

    @staticmethod
    def _helpers(sources: SourceSet) -> list[CodeFinding]:
        found = []
        for helper in sources.helpers:
            where = helper.loaded_by or Location(path=helper.path)
            found.append(
                CodeFinding(
                    Status.WARN,
                    where,
                    f"loads {helper.path} ({helper.shipped_bytes} bytes) at run "
                    "time; the README counts code in train_gpt.py and how helper files count is "
                    "an open question (B.9): include them in the reported code size",
                    "heuristic",
                )
            )
        return found

    @staticmethod
    def _problems(sources: SourceSet, *, record: bool) -> list[CodeFinding]:
        """Code that runs but cannot be audited: FAIL on the record track (a hidden loader, bytecode, an
        archive, a cap exceeded), WARN elsewhere; a cap never turns a finding into a pass."""
        out = []
        for p in sources.problems:
            fix = _FIX.get(p.kind, "")
            note = f"{p.problem}: unauditable code{fix}"
            out.append(CodeFinding(Status.FAIL if record else Status.WARN, p.location, note, "certain"))
        return out


_FIX = {
    ProblemKind.UNAUDITABLE: " (fix: ship the code plainly or in a recognized wrapper)",
    ProblemKind.UNDECODABLE: " (fix: ship the code plainly or in a recognized wrapper: lzma/zlib/gzip/bz2/brotli "
    "over base85/base64/hex)",
    ProblemKind.CAP: " (a cap bounds the audit's cost; what lies beyond it is reported, never passed)",
    ProblemKind.UNPARSEABLE: " (fix: ship Python that parses)",
    ProblemKind.UNREADABLE: " (fix: ship the code as UTF-8 text)",
}
