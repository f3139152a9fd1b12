from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, PolicyVerdict, Status
from pgolf.logs.model import LogRole, ParsedLog


def _over_budget(log: ParsedLog, limit_s: float) -> tuple[bool | None, Evidence] | None:
    """(over?, evidence) for one training log; over is None when the logs cannot settle it."""
    if log.stop is None:
        return None
    train_s = log.stop.train_time_ms / 1000
    if log.gptq_hessian_seconds is not None:
        h = log.gptq_hessian_seconds
        total = round(train_s + h.value, 3)
        note = f"train_time {train_s:.3f} s + Hessian collection {h.value} s"
        return total > limit_s, in_log(log, h.line, h.text, note, measured=total, limit=limit_s)
    marker = log.gptq_hessians or log.gptq_calibration
    if marker is None:
        return None
    if train_s >= limit_s and log.gptq_reserve_effective_ms is None:
        note = f"calibration runs after a stop at {train_s:.3f} s with no GPTQ reserve"
        return True, in_log(log, marker.line, marker.text, note, measured=train_s, limit=limit_s)
    note = "GPTQ calibration logged without its duration: the budget cannot be verified from the log"
    return None, in_log(log, marker.line, marker.text, note, measured=train_s, limit=limit_s)


class GptqCalibrationOverBudget:
    code: ClassVar[str] = "PG204"
    slug: ClassVar[str] = "gptq-calibration-over-budget"
    rule: ClassVar[str] = "GPTQ-CALIB-TIMING"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        if not ctx.track.record:
            return CheckOutcome(status=Status.SKIP, message=f"{ctx.track.name} is exempt from the training budget")
        limit_s = ctx.track.max_train_seconds
        found = [r for lg in ctx.logs if lg.role is not LogRole.REFERENCE and (r := _over_budget(lg, limit_s))]
        if not found:
            return CheckOutcome(status=Status.SKIP, message="no GPTQ calibration on training data in the logs")
        evidence = [e for _, e in found]
        over = any(o is True for o, _ in found)
        unknown = any(o is None for o, _ in found)
        verdicts: list[PolicyVerdict] = []
        for policy in ctx.policies:
            verdict: Status = policy.gptq_timing_status if over else (Status.WARN if unknown else Status.PASS)
            reason = "training + Hessians over the budget" if over else "training + Hessians within the budget"
            if policy.gptq_timing_status is Status.WARN and over:
                reason += " (enforced inconsistently in practice: #1855 merged at 604.3 s)"
            verdicts.append(PolicyVerdict(policy=policy.name, status=verdict, reason=reason))
        status = next(v.status for v in verdicts if v.policy == ctx.policy_name)
        message = (
            "GPTQ Hessian collection on training data ends past the training budget"
            if over
            else "GPTQ calibration timing could not be verified"
            if unknown
            else "GPTQ calibration fits inside the training budget"
        )
        return CheckOutcome(status=status, message=message, evidence=evidence, verdicts=verdicts)
