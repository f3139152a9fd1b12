"""PG405 ttt-before-score: test-time training may use only validation tokens already scored."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import UpdateKind, ttt_facts
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Location, Status


class TttBeforeScore:
    code: ClassVar[str] = "PG405"
    slug: ClassVar[str] = "ttt-before-score"
    rule: ClassVar[str] = "SCORE-BEFORE-UPDATE"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        facts = ttt_facts(analysis)
        findings: list[CodeFinding] = []
        notes: list[tuple[Location, str]] = []
        for u in facts.updates:
            if u.kind is UpdateKind.SCORE_FIRST:
                notes.append((u.at, f"score-first: in {u.cover}, each loop iteration scores before this update"))
            elif u.kind is UpdateKind.BEFORE_SCORE:
                note = (
                    f"{u.function} trains on validation tokens before the score at line {u.score_line} of the "
                    "same loop iteration: tokens are adapted on before being scored"
                )
                findings.append(on_path(CodeFinding(Status.FAIL, u.at, note), u.path))
            elif u.kind is UpdateKind.PREVIOUS_CHUNK:
                note = (
                    f"{u.function} trains before scoring in the same loop iteration, apparently on the "
                    "previous (already scored) chunk"
                )
                findings.append(on_path(CodeFinding(Status.WARN, u.at, note, "heuristic"), u.path))
            elif u.kind is UpdateKind.BEFORE_LATER_SCORE:
                note = (
                    f"{u.function} trains on validation tokens that have not been scored yet; they are scored "
                    f"afterwards (line {u.score_line})"
                )
                findings.append(on_path(CodeFinding(Status.FAIL, u.at, note), u.path))
        return outcome(
            findings,
            "every update on validation tokens comes after those tokens are scored (or there is none)",
            notes=notes,
            incomplete=analysis.incomplete,
        )
