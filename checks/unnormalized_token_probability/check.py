"""PG404 unnormalized-token-probability: each token's probability must come from one normalized distribution."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_scoring import KeyEvidence, ScoringFacts, scoring_facts
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status

_SPREAD = "a token probability is spread over its bytes (p ** (1/n))"


class UnnormalizedTokenProbability:
    code: ClassVar[str] = "PG404"
    slug: ClassVar[str] = "unnormalized-token-probability"
    rule: ClassVar[str] = "NORMALIZED-DISTRIBUTION"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        return outcome(
            findings(scoring_facts(analysis)),
            "no gold-only count ratio or byte-level mixture of a token model was found in the scoring path",
            incomplete=analysis.incomplete,
        )


def findings(facts: ScoringFacts) -> list[CodeFinding]:
    out: list[CodeFinding] = []
    for lookup in facts.lookups:
        if lookup.evidence is not KeyEvidence.NEWEST_TOKEN:
            note = (
                f"the probability built from `{lookup.table}[...]` covers the realized token only, "
                "not a distribution over the vocabulary that sums to 1"
            )
            out.append(on_path(CodeFinding(Status.FAIL, lookup.lookup, note), lookup.path))
    for spread in facts.spreads:
        if spread.mixed:
            note = (
                _SPREAD + " and mixed at byte level with another model: the mixed per-byte probabilities "
                "do not form one distribution over the token alphabet (#1872, #1902)"
            )
            out.append(on_path(CodeFinding(Status.FAIL, spread.at, note), spread.path))
        else:
            note = _SPREAD + "; byte-level scoring of a token model needs a proof that it stays normalized"
            out.append(on_path(CodeFinding(Status.WARN, spread.at, note, "heuristic"), spread.path))
    for mix in facts.mixtures:
        note = (
            "probabilities are mixed and scored per byte: a byte-level mixture does not give one "
            "distribution over the token alphabet that sums to 1 (the PPM-D cluster excluded as C2 in "
            "#1902; a marginalized variant is open question B.12)"
        )
        out.append(on_path(CodeFinding(Status.FAIL, mix.at, note), mix.path))
    for named in facts.mixer_names:
        note = (
            f"{named.function} looks like a byte-level mixture scorer (PPM/byte mixtures were excluded as C2 in #1902)"
        )
        out.append(on_path(CodeFinding(Status.WARN, named.at, note, "heuristic"), named.path))
    return out
