"""PG413 reads-train-at-eval: TRAIN-DATA-AT-EVAL, decided by the shared code audit (pgolf.audit.detect_ttt)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import ttt_report
from pgolf.audit.report import detector_outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class ReadsTrainAtEval:
    code: ClassVar[str] = "PG413"
    slug: ClassVar[str] = "reads-train-at-eval"
    rule: ClassVar[str] = "TRAIN-DATA-AT-EVAL"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return detector_outcome(ctx, ttt_report, self.rule, "the scoring path does not read training data")
