"""PG412 trains-on-val: the training loop must not back-propagate validation losses."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import UpdateKind, ttt_facts
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class TrainsOnVal:
    code: ClassVar[str] = "PG412"
    slug: ClassVar[str] = "trains-on-val"
    rule: ClassVar[str] = "VAL-IN-TRAINING"
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
            if u.kind is UpdateKind.IN_TRAINING:
                note = (
                    f"{u.function} back-propagates a loss computed from validation tokens in the training phase, "
                    "so the model is trained on validation data"
                )
                findings.append(on_path(CodeFinding(Status.FAIL, u.at, note), u.path))
        return outcome(
            findings,
            "the training loop never back-propagates a loss computed from validation tokens",
            incomplete=analysis.incomplete,
        )
