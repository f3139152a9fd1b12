"""PG409 warmup-adapts-on-val: COMPILE-WARMUP, decided by the shared code audit (pgolf.audit.detect_ttt)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import ttt_report
from pgolf.audit.report import analysis_or_skip, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class WarmupAdaptsOnVal:
    code: ClassVar[str] = "PG409"
    slug: ClassVar[str] = "warmup-adapts-on-val"
    rule: ClassVar[str] = "COMPILE-WARMUP"
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
            "compile warm-ups (if any) do not train on validation tokens",
            notes=report.notes.get(self.rule, []),
        )
