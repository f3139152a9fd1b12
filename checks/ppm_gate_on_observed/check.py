"""PG403 ppm-gate-on-observed: PPM-ADAPTIVE-GATE, decided by the shared code audit (pgolf.audit.detect_scoring)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_scoring import scoring_report
from pgolf.audit.report import detector_outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class PpmGateOnObserved:
    code: ClassVar[str] = "PG403"
    slug: ClassVar[str] = "ppm-gate-on-observed"
    rule: ClassVar[str] = "PPM-ADAPTIVE-GATE"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return detector_outcome(
            ctx, scoring_report, self.rule, "no mixture weight depends on the probability of the observed symbol"
        )
