"""PG408 val-rescored: one left-to-right pass; each token is scored once."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import UpdateKind, ttt_facts
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class ValRescored:
    code: ClassVar[str] = "PG408"
    slug: ClassVar[str] = "val-rescored"
    rule: ClassVar[str] = "MULTI-PASS/RESCORE"
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
            if u.kind is UpdateKind.SCORE_FIRST and u.epoch_loop is not None:
                note = (
                    f"the loop at line {u.epoch_loop} repeats over the same validation tokens, scoring them again "
                    "after training on them (multi-epoch scoring)"
                )
                findings.append(on_path(CodeFinding(Status.FAIL, u.at, note), u.path))
            elif u.kind is UpdateKind.RESCORED:
                note = (
                    f"{u.function} adapts on validation tokens that were already scored, and they are scored "
                    f"again afterwards (line {u.score_line})"
                )
                findings.append(on_path(CodeFinding(Status.FAIL, u.at, note), u.path))
        for r in facts.rescores:
            note = (
                f"this score runs after {r.adapter} adapted the model on validation tokens: the tokens are scored "
                "a second time, and only the first pass may be reported"
            )
            findings.append(on_path(CodeFinding(Status.FAIL, r.at, note), r.path))
        return outcome(findings, "validation tokens are scored in a single pass", incomplete=analysis.incomplete)
