from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, PolicyVerdict, Status

_TRUE = {"true", "1", "yes"}


class EvalPrecomputeOutsideTimer:
    code: ClassVar[str] = "PG206"
    slug: ClassVar[str] = "eval-precompute-outside-timer"
    rule: ClassVar[str] = "EVAL-PRECOMPUTE-IN-TIMER"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        outside: list[Evidence] = []
        inside: list[Evidence] = []
        for log in ctx.logs:
            for p in log.ngram_precompute:
                target = outside if p.outside_timer else inside
                target.append(
                    in_log(
                        log,
                        p.line,
                        p.text,
                        "n-gram hint precompute over validation tokens",
                        measured=p.elapsed_s,
                    )
                )
            if log.ngram_precompute_excluded is not None:
                e = log.ngram_precompute_excluded
                outside.append(in_log(log, e.line, e.text, "precompute time excluded from the eval timer"))
            flag = log.hyperparameters.get("ngram_hint_precompute_outside")
            if flag is not None and flag.value.strip().lower() in _TRUE:
                outside.append(in_log(log, flag.line, flag.text, "NGRAM_HINT_PRECOMPUTE_OUTSIDE enabled"))
        if not (outside or inside):
            return CheckOutcome(status=Status.SKIP, message="no eval-time precompute over validation tokens logged")
        if not outside:
            return CheckOutcome(
                status=Status.PASS,
                message="validation precompute runs inside the eval timer",
                evidence=inside,
            )
        verdicts = [
            PolicyVerdict(
                policy=p.name,
                status=p.eval_precompute_outside_status,
                reason="precompute over validation tokens done outside the eval timer "
                "(no verbatim ruling; enforced via #2135 acceptance, #1967 rejection)",
            )
            for p in ctx.policies
        ]
        status = next(v.status for v in verdicts if v.policy == ctx.policy_name)
        return CheckOutcome(
            status=status,
            message="eval-time work over validation tokens is excluded from the timer",
            evidence=outside + inside,
            verdicts=verdicts,
        )
