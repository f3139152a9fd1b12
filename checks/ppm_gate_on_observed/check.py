"""PG403 ppm-gate-on-observed: a mixture weight may depend only on state from before the symbol is seen."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_scoring import AdaptiveWeight, WeightSource, scoring_facts
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class PpmGateOnObserved:
    code: ClassVar[str] = "PG403"
    slug: ClassVar[str] = "ppm-gate-on-observed"
    rule: ClassVar[str] = "PPM-ADAPTIVE-GATE"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        findings = [on_path(finding(weight), weight.path) for weight in scoring_facts(analysis).weights]
        return outcome(
            findings,
            "no mixture weight depends on the probability of the observed symbol",
            incomplete=analysis.incomplete,
        )


def finding(weight: AdaptiveWeight) -> CodeFinding:
    if weight.source is WeightSource.COMPONENT:
        note = (
            f"the mixture weight `{weight.weight}` is computed from a component's probability of the "
            "observed symbol (#1785)"
        )
    else:
        note = f"the mixture weight `{weight.weight}` depends on the probability of the observed token"
    return CodeFinding(Status.FAIL, weight.at, note)
