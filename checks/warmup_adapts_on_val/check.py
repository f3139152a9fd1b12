"""PG409 warmup-adapts-on-val: COMPILE-WARMUP, decided by the shared code audit (pgolf.audit.detect_ttt)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import ttt_report
from pgolf.audit.report import detector_outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class WarmupAdaptsOnVal:
    code: ClassVar[str] = "PG409"
    slug: ClassVar[str] = "warmup-adapts-on-val"
    rule: ClassVar[str] = "COMPILE-WARMUP"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return detector_outcome(
            ctx, ttt_report, self.rule, "compile warm-ups (if any) do not train on validation tokens"
        )
