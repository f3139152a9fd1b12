from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, Status
from pgolf.logs.model import ParsedLog
from pgolf.logs.selection import fold_unjudged

# Experts gated on properties of the realized token (boundary / new-word LUTs of tokens[i]).
TARGET_GATED_COUNTERS = ("within_gate", "word_gate", "agree2plus")


class NgramTiltGatesActive:
    code: ClassVar[str] = "PG303"
    slug: ClassVar[str] = "ngram-tilt-gates-active"
    rule: ClassVar[str] = "NGRAM-TILT-GATES"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        sel = ctx.claim_logs
        active: list[Evidence] = []
        clean: list[Evidence] = []
        for log in sel.judged:
            found = _gates(log)
            if found is not None:
                (active if found[0] else clean).append(found[1])
        unjudged = [sel.unjudged(lg, f[1]) for lg in sel.others if (f := _gates(lg)) is not None and f[0]]
        if active:
            return CheckOutcome(
                status=Status.FAIL,
                message="n-gram tilt experts gated on the realized token fired in the logs backing the claim",
                evidence=active + clean + unjudged,
            )
        if not clean:
            outcome = CheckOutcome(status=Status.SKIP, message="no n-gram tilt hint counters in the claim's logs")
        else:
            outcome = CheckOutcome(status=Status.PASS, message="n-gram tilt uses token-only gating", evidence=clean)
        return fold_unjudged(outcome, unjudged, "target-gated tilt experts firing")


def _gates(log: ParsedLog) -> tuple[bool, Evidence] | None:
    """(fired?, evidence) from the log's `ngram_tilt:hints` counters; None without that line."""
    hints = log.ngram_hints
    if hints is None:
        return None
    fired = {name: getattr(hints, name) for name in TARGET_GATED_COUNTERS if getattr(hints, name)}
    if not fired:
        return False, in_log(log, hints.line, hints.text, "token-only gating", measured=0, limit=0)
    summary = ", ".join(f"{k}={v:,}" for k, v in fired.items())
    note = f"target-gated experts fired: {summary}"
    return True, in_log(log, hints.line, hints.text, note, measured=sum(fired.values()), limit=0)
