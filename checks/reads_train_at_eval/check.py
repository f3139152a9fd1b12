"""PG413 reads-train-at-eval: evaluation may use training data only as bits inside the artifact."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_ttt import TrainReadKind, ttt_facts
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class ReadsTrainAtEval:
    code: ClassVar[str] = "PG413"
    slug: ClassVar[str] = "reads-train-at-eval"
    rule: ClassVar[str] = "TRAIN-DATA-AT-EVAL"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        facts = ttt_facts(analysis)
        findings: list[CodeFinding] = []
        for r in facts.train_reads:
            if r.kind is TrainReadKind.IN_SCORING_LOOP:
                note = (
                    f"{r.function} reads training data inside the scoring loop; evaluation may use training data "
                    "only as bits paid for in the artifact"
                )
                findings.append(on_path(CodeFinding(Status.FAIL, r.at, note), r.path))
            else:
                note = (
                    "the reported score is computed with values derived from training data; legal only if those "
                    "bits ship inside the 16 MB artifact"
                )
                findings.append(on_path(CodeFinding(Status.WARN, r.at, note, "heuristic"), r.path))
        return outcome(findings, "the scoring path does not read training data", incomplete=analysis.incomplete)
