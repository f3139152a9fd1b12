"""PG402 oracle-gated-score: the score must not keep whichever of two realized-token losses is better."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_scoring import ChoiceForm, OracleChoice, scoring_facts
from pgolf.audit.report import Certainty, CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class OracleGatedScore:
    code: ClassVar[str] = "PG402"
    slug: ClassVar[str] = "oracle-gated-score"
    rule: ClassVar[str] = "ORACLE-GATE"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        findings = [on_path(finding(choice), choice.path) for choice in scoring_facts(analysis).choices]
        return outcome(
            findings, "no score is chosen by comparing losses of the realized token", incomplete=analysis.incomplete
        )


def finding(choice: OracleChoice) -> CodeFinding:
    status = Status.FAIL if choice.strong else Status.WARN
    certainty: Certainty = "certain" if choice.strong else "heuristic"
    if choice.form is ChoiceForm.MIN_MAX:
        note = (
            f"`{choice.call}(...)` picks between two losses/probabilities of the realized token and the "
            "choice is scored: hindsight selection (#659)"
        )
    elif choice.form is ChoiceForm.WHERE:
        note = "`where(...)` keeps whichever loss of the realized token is lower: hindsight selection (#659)"
    else:
        note = (
            "an `if` compares two losses/probabilities of the realized token and keeps the better one "
            "for the score: hindsight selection (#659)"
        )
    return CodeFinding(status, choice.at, note, certainty)
