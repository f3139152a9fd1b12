from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, Status
from pgolf.logs.model import ParsedLog
from pgolf.logs.selection import fold_unjudged


def reported_eval_seconds(log: ParsedLog) -> tuple[float, int, str] | None:
    """`total_eval_time` when printed, else the eval_time of the line that produced the score."""
    if log.total_eval_time_s is not None:
        t = log.total_eval_time_s
        return t.value, t.line, t.text
    if log.final is not None and log.final.eval_time_ms is not None:
        return log.final.eval_time_ms / 1000, log.final.line, log.final.text
    return None


def summed_eval_seconds(log: ParsedLog) -> float:
    """All non-diagnostic eval passes: how submitters of the sliding/legal-TTT era counted (§5.2)."""
    return sum((m.eval_time_ms or 0.0) for m in log.metrics if not m.diagnostic) / 1000


class EvalTimeExceeded:
    code: ClassVar[str] = "PG205"
    slug: ClassVar[str] = "eval-time-exceeded"
    rule: ClassVar[str] = "EVAL-WALLCLOCK"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        limit = ctx.track.max_eval_seconds
        sel = ctx.claim_logs
        over: list[Evidence] = []
        summed_over: list[Evidence] = []
        within: list[Evidence] = []
        unjudged = [
            sel.unjudged(
                lg, in_log(lg, r[1], r[2], "reported evaluation time (s)", measured=round(r[0], 3), limit=limit)
            )
            for lg in sel.others
            if (r := reported_eval_seconds(lg)) is not None and r[0] > limit
        ]
        for log in sel.judged:
            if (reported := reported_eval_seconds(log)) is None:
                continue
            seconds, line, text = reported
            ev = in_log(log, line, text, "reported evaluation time (s)", measured=round(seconds, 3), limit=limit)
            (over if seconds > limit else within).append(ev)
            total = summed_eval_seconds(log)
            if seconds <= limit < total:
                summed_over.append(
                    in_log(
                        log,
                        line,
                        text,
                        "sum of all non-diagnostic eval passes (s)",
                        measured=round(total, 3),
                        limit=limit,
                    )
                )
        if not (over or within):
            return CheckOutcome(
                status=Status.WARN, message="no log backing the claim reports an evaluation time", evidence=unjudged
            )
        exempt = not ctx.track.record
        if over:
            # Open question B.5: whether the non-record track is bound by the 10-minute eval was never ruled.
            status = Status.WARN if exempt else Status.FAIL
            return CheckOutcome(
                status=status,
                message=f"evaluation took longer than {limit:g} s",
                evidence=over + summed_over + within + unjudged,
            )
        if summed_over:
            outcome = CheckOutcome(
                status=Status.WARN,
                message="the scored pass fits, but all eval passes together do not "
                "(which passes count is open question B.5)",
                evidence=summed_over + within,
            )
        else:
            outcome = CheckOutcome(status=Status.PASS, message=f"evaluation within {limit:g} s", evidence=within)
        return fold_unjudged(outcome, unjudged, "an evaluation over the limit")
