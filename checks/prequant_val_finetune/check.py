"""PG406 prequant-val-finetune: no fine-tuning on validation tokens before the artifact is quantized."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import UpdateKind, ttt_facts
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class PrequantValFinetune:
    code: ClassVar[str] = "PG406"
    slug: ClassVar[str] = "prequant-val-finetune"
    rule: ClassVar[str] = "PREQUANT-TTT"
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
            if u.kind is UpdateKind.PREQUANT:
                note = (
                    f"{u.function} fine-tunes on validation tokens before the artifact is quantized and scored "
                    "(pre-quantization TTT, closed in #1376)"
                )
                findings.append(on_path(CodeFinding(Status.FAIL, u.at, note), u.path))
        return outcome(
            findings, "no fine-tuning on validation tokens before quantization", incomplete=analysis.incomplete
        )
