"""PG402 oracle-gated-score: ORACLE-GATE, decided by the shared code audit (pgolf.audit.detect_scoring)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_scoring import scoring_report
from pgolf.audit.report import detector_outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class OracleGatedScore:
    code: ClassVar[str] = "PG402"
    slug: ClassVar[str] = "oracle-gated-score"
    rule: ClassVar[str] = "ORACLE-GATE"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return detector_outcome(
            ctx, scoring_report, self.rule, "no score is chosen by comparing losses of the realized token"
        )
