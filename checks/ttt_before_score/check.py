"""PG405 ttt-before-score: SCORE-BEFORE-UPDATE, decided by the shared code audit (pgolf.audit.detect_ttt)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import ttt_report
from pgolf.audit.report import detector_outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class TttBeforeScore:
    code: ClassVar[str] = "PG405"
    slug: ClassVar[str] = "ttt-before-score"
    rule: ClassVar[str] = "SCORE-BEFORE-UPDATE"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return detector_outcome(
            ctx,
            ttt_report,
            self.rule,
            "every update on validation tokens comes after those tokens are scored (or there is none)",
        )
