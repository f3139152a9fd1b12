"""PG409 warmup-adapts-on-val: compile warm-ups must not train the scored model on validation tokens."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import UpdateKind, ttt_facts
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class WarmupAdaptsOnVal:
    code: ClassVar[str] = "PG409"
    slug: ClassVar[str] = "warmup-adapts-on-val"
    rule: ClassVar[str] = "COMPILE-WARMUP"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        facts = ttt_facts(analysis)
        findings: list[CodeFinding] = []
        for u in facts.updates:
            if u.kind is UpdateKind.WARMUP_DISCARDED:
                note = (
                    f"the warm-up in {u.function} runs backward()/step() on validation tokens before the scored "
                    "pass (on state it then discards; #1530 was merged with this, open question B.5)"
                )
                findings.append(on_path(CodeFinding(Status.WARN, u.at, note, "heuristic"), u.path))
            elif u.kind is UpdateKind.WARMUP_KEPT:
                note = (
                    f"the warm-up in {u.function} trains the scored model on validation tokens and never "
                    "restores it, so later scores see adapted weights"
                )
                findings.append(on_path(CodeFinding(Status.FAIL, u.at, note), u.path))
        return outcome(
            findings, "compile warm-ups (if any) do not train on validation tokens", incomplete=analysis.incomplete
        )
