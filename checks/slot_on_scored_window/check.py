"""PG407 slot-on-scored-window: no per-window parameter optimized on the window it then scores."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import UpdateKind, ttt_facts
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class SlotOnScoredWindow:
    code: ClassVar[str] = "PG407"
    slug: ClassVar[str] = "slot-on-scored-window"
    rule: ClassVar[str] = "SLOT"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        facts = ttt_facts(analysis)
        findings: list[CodeFinding] = []
        for u in facts.updates:
            if u.kind is UpdateKind.SLOT:
                note = (
                    f"a per-window tensor created at line {u.slot_line} is optimized against the window's targets, "
                    f"then the window is scored at line {u.score_line}"
                )
                if u.context_only:
                    note += " (the loss looks context-only: open question B.2)"
                    findings.append(on_path(CodeFinding(Status.WARN, u.at, note, "heuristic"), u.path))
                else:
                    findings.append(on_path(CodeFinding(Status.FAIL, u.at, note), u.path))
        return outcome(
            findings,
            "no per-window parameter is optimized on the window it then scores",
            incomplete=analysis.incomplete,
        )
