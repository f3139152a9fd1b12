"""PG406 prequant-val-finetune: PREQUANT-TTT, decided by the shared code audit (pgolf.audit.detect_ttt)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import ttt_report
from pgolf.audit.report import detector_outcome
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
        return detector_outcome(ctx, ttt_report, self.rule, "no fine-tuning on validation tokens before quantization")
