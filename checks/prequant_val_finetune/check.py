"""PG406 prequant-val-finetune: PREQUANT-TTT, decided by the shared code audit (pgolf.audit.detect_ttt)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import ttt_report
from pgolf.audit.report import analysis_or_skip, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


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
        report = ttt_report(analysis)
        return outcome(
            report.findings.get(self.rule, []),
            "no fine-tuning on validation tokens before quantization",
            notes=report.notes.get(self.rule, []),
        )
