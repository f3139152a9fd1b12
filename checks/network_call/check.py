"""PG415 network-call: no downloads or network calls during evaluation."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_misc import network_findings
from pgolf.audit.report import analysis_or_skip, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class NetworkCall:
    code: ClassVar[str] = "PG415"
    slug: ClassVar[str] = "network-call"
    rule: ClassVar[str] = "NETWORK"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        return outcome(network_findings(analysis), "no network call is reachable from training or evaluation")
