"""PG407 slot-on-scored-window: SLOT, decided by the shared code audit (pgolf.audit.detect_ttt)."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import ttt_report
from pgolf.audit.report import detector_outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome


class SlotOnScoredWindow:
    code: ClassVar[str] = "PG407"
    slug: ClassVar[str] = "slot-on-scored-window"
    rule: ClassVar[str] = "SLOT"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return detector_outcome(
            ctx, ttt_report, self.rule, "no per-window parameter is optimized on the window it then scores"
        )
