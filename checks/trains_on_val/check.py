"""PG412 trains-on-val: VAL-IN-TRAINING, decided by the shared code audit (pgolf.audit.detect_ttt)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import ttt_report
from pgolf.audit.report import detector_outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class TrainsOnVal:
    code: ClassVar[str] = "PG412"
    slug: ClassVar[str] = "trains-on-val"
    rule: ClassVar[str] = "VAL-IN-TRAINING"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return detector_outcome(
            ctx, ttt_report, self.rule, "the training loop never back-propagates a loss computed from validation tokens"
        )
