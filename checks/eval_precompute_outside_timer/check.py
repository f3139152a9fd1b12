from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, PolicyVerdict, Status
from pgolf.logs.model import ParsedLog
from pgolf.logs.selection import fold_unjudged

_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}
SWITCH = "ngram_hint_precompute_outside"


class _Reading:
    """What one log says about where its precompute ran. A marker's name is not evidence (D6)."""

    def __init__(self, log: ParsedLog) -> None:
        self.outside: list[Evidence] = []  # switch on, exclusion line, done before the timer started
        self.inside: list[Evidence] = []
        self.unclear: list[Evidence] = []  # an `_outside_timer` marker with nothing to place it
        flag = log.hyperparameters.get(SWITCH)
        switch = flag.value.strip().lower() if flag is not None else None
        if flag is not None and switch in _TRUE:
            self.outside.append(in_log(log, flag.line, flag.text, "NGRAM_HINT_PRECOMPUTE_OUTSIDE enabled"))
        if (excluded := log.ngram_precompute_excluded) is not None:
            self.outside.append(
                in_log(log, excluded.line, excluded.text, "precompute time excluded from the eval timer")
            )
        timer = log.eval_timer_start
        for p in log.ngram_precompute:
            if timer is not None and p.line < timer.line:
                note = f"precompute over validation tokens done before the eval timer started (line {timer.line})"
                self.outside.append(in_log(log, p.line, p.text, note, measured=p.elapsed_s))
            elif timer is not None or not p.outside_timer or switch in _FALSE:
                where = f"after the eval timer started (line {timer.line})" if timer else "inside the eval timer"
                if p.outside_timer:
                    where += f"; the `_outside_timer` marker is contradicted by {SWITCH}: {switch or 'unset'}"
                note = f"precompute over validation tokens {where}"
                self.inside.append(in_log(log, p.line, p.text, note, measured=p.elapsed_s))
            else:
                note = (
                    "precompute line named `_outside_timer`, but no switch, exclusion line or eval-timer "
                    "start places it: the marker's name alone is not evidence"
                )
                self.unclear.append(in_log(log, p.line, p.text, note, measured=p.elapsed_s))


class EvalPrecomputeOutsideTimer:
    code: ClassVar[str] = "PG206"
    slug: ClassVar[str] = "eval-precompute-outside-timer"
    rule: ClassVar[str] = "EVAL-PRECOMPUTE-IN-TIMER"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        sel = ctx.claim_logs
        readings = [_Reading(lg) for lg in sel.judged]
        outside = [e for r in readings for e in r.outside]
        inside = [e for r in readings for e in r.inside]
        unclear = [e for r in readings for e in r.unclear]
        unjudged = [sel.unjudged(lg, e) for lg in sel.others for e in _Reading(lg).outside]
        if outside:
            verdicts = [
                PolicyVerdict(
                    policy=p.name,
                    status=p.eval_precompute_outside_status,
                    reason="precompute over validation tokens done outside the eval timer "
                    "(no verbatim ruling; enforced via #2135 acceptance, #1967 rejection)",
                )
                for p in ctx.policies
            ]
            return CheckOutcome(
                status=next(v.status for v in verdicts if v.policy == ctx.policy_name),
                message="eval-time work over validation tokens is excluded from the timer",
                evidence=outside + inside + unclear + unjudged,
                verdicts=verdicts,
            )
        if unclear:
            outcome = CheckOutcome(
                status=Status.WARN,
                certainty="heuristic",
                message="a precompute marker says `outside_timer`, but nothing in the log places it; verify",
                evidence=unclear + inside,
            )
        elif inside:
            outcome = CheckOutcome(
                status=Status.PASS, message="validation precompute runs inside the eval timer", evidence=inside
            )
        else:
            outcome = CheckOutcome(
                status=Status.SKIP, message="no eval-time precompute over validation tokens in the claim's logs"
            )
        return fold_unjudged(outcome, unjudged, "the precompute outside the eval timer")
