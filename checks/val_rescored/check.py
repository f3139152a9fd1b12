"""PG408 val-rescored: MULTI-PASS/RESCORE, decided by the shared code audit (pgolf.audit.detect_ttt)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import ttt_report
from pgolf.audit.report import detector_outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class ValRescored:
    code: ClassVar[str] = "PG408"
    slug: ClassVar[str] = "val-rescored"
    rule: ClassVar[str] = "MULTI-PASS/RESCORE"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return detector_outcome(ctx, ttt_report, self.rule, "validation tokens are scored in a single pass")
