from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, PolicyVerdict, Status, worst
from pgolf.logs.model import LogRole, ParsedLog
from pgolf.ruleset import Policy


def overshoot_allowance_ms(log: ParsedLog, policy: Policy) -> float:
    """The cap is checked after a step and agreed across ranks a step later (#549, #593, #609 merged)."""
    if policy.train_overshoot_step_avgs <= 0:
        return float(policy.train_overshoot_ms)
    if log.step_avg_ms is not None:
        return log.step_avg_ms * policy.train_overshoot_step_avgs
    return float(policy.train_overshoot_ms)


def _train_time(log: ParsedLog) -> tuple[float, int, str] | None:
    if log.stop is not None:
        return float(log.stop.train_time_ms), log.stop.line, log.stop.text
    return None


class TrainTimeExceeded:
    code: ClassVar[str] = "PG203"
    slug: ClassVar[str] = "train-time-exceeded"
    rule: ClassVar[str] = "TRAIN-WALLCLOCK"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        if not ctx.track.record:
            return CheckOutcome(status=Status.SKIP, message=f"{ctx.track.name} is exempt from the training wallclock")
        limit_ms = ctx.track.max_train_seconds * 1000
        training = [lg for lg in ctx.logs if lg.trains and lg.role is not LogRole.REFERENCE]
        if not training:
            return CheckOutcome(status=Status.WARN, message="no training log with a stop line to time")
        evidence: list[Evidence] = []
        verdicts: list[PolicyVerdict] = []
        cap_fail = self._cap_overrides(training, limit_ms, evidence)
        for policy in ctx.policies:
            statuses = [Status.FAIL] if cap_fail else []
            for log in training:
                timed = _train_time(log)
                if timed is None:
                    continue
                ms, line, text = timed
                allowed = limit_ms + overshoot_allowance_ms(log, policy)
                statuses.append(Status.FAIL if ms > allowed else Status.PASS)
                if policy.name == ctx.policy_name:
                    evidence.append(
                        in_log(
                            log,
                            line,
                            text,
                            f"train_time (policy {policy.name} allows {allowed:,.0f} ms)",
                            measured=int(ms),
                            limit=int(limit_ms),
                        )
                    )
            status = worst(statuses) if statuses else Status.WARN
            verdicts.append(PolicyVerdict(policy=policy.name, status=status, reason=self._reason(policy, status)))
        chosen = next(v for v in verdicts if v.policy == ctx.policy_name)
        message = "training exceeded the wallclock cap" if chosen.status is Status.FAIL else "training within the cap"
        return CheckOutcome(status=chosen.status, message=message, evidence=evidence, verdicts=verdicts)

    @staticmethod
    def _cap_overrides(logs: list[ParsedLog], limit_ms: float, evidence: list[Evidence]) -> bool:
        """A run launched with MAX_WALLCLOCK_SECONDS above the limit is over budget by construction."""
        failed = False
        for log in logs:
            cap = log.max_wallclock_seconds
            if cap is not None and cap.value * 1000 > limit_ms:
                failed = True
                evidence.append(
                    in_log(
                        log,
                        cap.line,
                        cap.text,
                        "the run's own wallclock cap is above the limit",
                        measured=cap.value,
                        limit=limit_ms / 1000,
                    )
                )
        return failed

    @staticmethod
    def _reason(policy: Policy, status: Status) -> str:
        if policy.train_overshoot_step_avgs > 0:
            rule = f"cap + {policy.train_overshoot_step_avgs:g} step_avg (or {policy.train_overshoot_ms} ms)"
        else:
            rule = "the cap exactly, no tolerance"
        return f"{status.value} against {rule}"
