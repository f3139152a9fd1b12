"""PG401 ngram-target-in-key: a hashed n-gram table read at scoring time must not key on the scored token."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_scoring import KeyedLookup, KeyEvidence, scoring_facts
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class NgramTargetInKey:
    code: ClassVar[str] = "PG401"
    slug: ClassVar[str] = "ngram-target-in-key"
    rule: ClassVar[str] = "NGRAM-TARGET-IN-KEY"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        findings = [on_path(finding(lookup), lookup.path) for lookup in scoring_facts(analysis).lookups]
        return outcome(
            findings,
            "no n-gram table is read at scoring time with a key that contains the scored token",
            incomplete=analysis.incomplete,
        )


def finding(lookup: KeyedLookup) -> CodeFinding:
    """The lookup line first, then the line that builds the key (and the context read of a full key)."""
    related = []
    if lookup.key is not None and lookup.key != lookup.lookup:
        related.append((lookup.key, "the key is built here"))
    if lookup.partner_at is not None:
        related.append(
            (lookup.partner_at, f"the context count `{lookup.partner}[...]` is read with the key minus the token")
        )
    if lookup.evidence is KeyEvidence.NEWEST_TOKEN:
        return CodeFinding(
            Status.WARN,
            lookup.lookup,
            f"`{lookup.table}[...]` is read with a hashed key that includes the newest token of the stream; "
            "if that token is the one being scored, the target leaks",
            "heuristic",
            tuple(related),
        )
    why = (
        f"the key of `{lookup.table}[...]` hashes the scored target token"
        if lookup.evidence is KeyEvidence.TARGET
        else f"`{lookup.table}[...]` is read with a key that adds one stream token to the context hash of "
        f"`{lookup.partner}[...]` (a full-n-gram key)"
    )
    return CodeFinding(
        Status.FAIL,
        lookup.lookup,
        why + " and the count feeds the score: the target leaks into the lookup (#779)",
        related=tuple(related),
    )
