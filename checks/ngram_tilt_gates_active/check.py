from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, Status

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
        active: list[Evidence] = []
        clean: list[Evidence] = []
        for log in ctx.logs:
            hints = log.ngram_hints
            if hints is None:
                continue
            fired = {name: getattr(hints, name) for name in TARGET_GATED_COUNTERS if getattr(hints, name)}
            if fired:
                summary = ", ".join(f"{k}={v:,}" for k, v in fired.items())
                active.append(
                    in_log(
                        log,
                        hints.line,
                        hints.text,
                        f"target-gated experts fired: {summary}",
                        measured=sum(fired.values()),
                        limit=0,
                    )
                )
            else:
                clean.append(in_log(log, hints.line, hints.text, "token-only gating", measured=0, limit=0))
        if active:
            return CheckOutcome(
                status=Status.FAIL,
                message="n-gram tilt experts gated on the realized token fired",
                evidence=active + clean,
            )
        if not clean:
            return CheckOutcome(status=Status.SKIP, message="no n-gram tilt hint counters in the logs")
        return CheckOutcome(status=Status.PASS, message="n-gram tilt uses token-only gating", evidence=clean)
