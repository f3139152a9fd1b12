"""PG416 unmasked-doc-lookback: one-token look-back features must be masked at BOS."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_misc import lookback_findings
from pgolf.audit.report import analysis_or_skip, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class UnmaskedDocLookback:
    code: ClassVar[str] = "PG416"
    slug: ClassVar[str] = "unmasked-doc-lookback"
    rule: ClassVar[str] = "DOC-BOUNDARY"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        findings, notes = lookback_findings(analysis)
        return outcome(findings, "no gated one-token look-back crosses a document boundary", notes=notes)
