"""PG404 unnormalized-token-probability: NORMALIZED-DISTRIBUTION (pgolf.audit.detect_scoring decides)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_scoring import scoring_report
from pgolf.audit.report import detector_outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class UnnormalizedTokenProbability:
    code: ClassVar[str] = "PG404"
    slug: ClassVar[str] = "unnormalized-token-probability"
    rule: ClassVar[str] = "NORMALIZED-DISTRIBUTION"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return detector_outcome(
            ctx,
            scoring_report,
            self.rule,
            "no gold-only count ratio or byte-level mixture of a token model was found in the scoring path",
        )
