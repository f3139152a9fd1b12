"""PG401 ngram-target-in-key: NGRAM-TARGET-IN-KEY, decided by the shared code audit (pgolf.audit.detect_scoring)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_scoring import scoring_report
from pgolf.audit.report import detector_outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class NgramTargetInKey:
    code: ClassVar[str] = "PG401"
    slug: ClassVar[str] = "ngram-target-in-key"
    rule: ClassVar[str] = "NGRAM-TARGET-IN-KEY"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return detector_outcome(
            ctx,
            scoring_report,
            self.rule,
            "no n-gram table is read at scoring time with a key that contains the scored token",
        )
