"""PG416 unmasked-doc-lookback: one-token look-back features must be masked at BOS.

The mask test runs on every forward path. The BOS-mask ruling is dated (the ruleset's
`[rulings.BOS-MASK]`): a submission that predates it gets WARN "grandfathered", and the readme
policy, whose text is silent on this, gets at most a warning (`ctx.ruling_cap`).
"""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_misc import lookbacks
from pgolf.audit.report import CodeFinding, analysis_or_skip, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Location, PolicyVerdict, Status

RULING = "BOS-MASK"


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
        findings: list[CodeFinding] = []
        notes: list[tuple[Location, str]] = []
        for gate in lookbacks(analysis):
            if gate.masked:
                notes.append((gate.at, f"{gate.function}: the one-token look-back is masked at BOS"))
                continue
            why = (
                f"{gate.function} mixes a sigmoid-gated copy of the previous position into the current one with no "
                "BOS mask, so state crosses document boundaries"
            )
            if gate.per_doc:
                why += " while documents are scored independently (the #1797 SmearGate bug)"
                findings.append(CodeFinding(Status.FAIL, gate.at, why))
            else:
                findings.append(
                    CodeFinding(Status.WARN, gate.at, why + " (a flat stream: open question B.15)", "heuristic")
                )
        result = outcome(findings, "no gated one-token look-back crosses a document boundary", notes=notes)
        if result.status is not Status.FAIL:
            return result
        return self._dated(ctx, result)

    @staticmethod
    def _dated(ctx: CheckContext, result: CheckOutcome) -> CheckOutcome:
        """Cap the FAIL by the ruling's date and each policy; the selected policy's verdict is the status."""
        verdicts = []
        for policy in ctx.policies:
            cap, reason = ctx.ruling_cap(RULING, policy)
            verdicts.append(PolicyVerdict(policy=policy.name, status=cap, reason=reason))
        chosen = next(v for v in verdicts if v.policy == ctx.policy_name)
        evidence = list(result.evidence)
        grandfathered = ctx.grandfathered(RULING)
        if grandfathered is not None:
            evidence.append(grandfathered)
        message = result.message if chosen.status is Status.FAIL else f"{result.message} [{chosen.reason}]"
        return result.model_copy(
            update={"status": chosen.status, "verdicts": verdicts, "evidence": evidence, "message": message}
        )
