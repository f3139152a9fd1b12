from __future__ import annotations

import re
from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, PolicyVerdict, Status, worst
from pgolf.logs.model import ParsedLog
from pgolf.logs.selection import LogSelection, fold_unjudged
from pgolf.ruleset import Policy

# Hyperparameter-dump keys of a step count that stops training whatever the wall clock says (#1908).
_FORCED_STOP_KEY = re.compile(r"^(?:force|forced)_stop_step$|^stop_at_step$", re.IGNORECASE)


def overshoot_allowance_ms(log: ParsedLog, policy: Policy) -> float:
    """The cap is checked after a step and agreed across ranks a step later (#549, #593, #609 merged)."""
    if policy.train_overshoot_step_avgs <= 0:
        return float(policy.train_overshoot_ms)
    if log.step_avg_ms is not None:
        return log.step_avg_ms * policy.train_overshoot_step_avgs
    return float(policy.train_overshoot_ms)


def forced_stop_steps(log: ParsedLog) -> list[Evidence]:
    """A forced stop step set in the run's hyperparameter dump (value > 0)."""
    found = []
    for key, value in log.hyperparameters.items():
        if _FORCED_STOP_KEY.match(key) and value.value.strip().isdigit() and int(value.value.strip()) > 0:
            note = f"{key} is set: training stops at a fixed step, not at the wall-clock cap"
            found.append(in_log(log, value.line, value.text, note, measured=int(value.value.strip()), limit=0))
    return found


def own_cap_over(log: ParsedLog, limit_ms: float) -> list[Evidence]:
    """A run launched with MAX_WALLCLOCK_SECONDS above the limit is over budget by construction."""
    cap = log.max_wallclock_seconds
    if cap is None or cap.value * 1000 <= limit_ms:
        return []
    note = "the run's own wallclock cap is above the limit"
    return [in_log(log, cap.line, cap.text, note, measured=cap.value, limit=limit_ms / 1000)]


def _within(log: ParsedLog, limit_ms: float, policy: Policy) -> bool | None:
    if log.stop is None:
        return None
    return bool(log.stop.train_time_ms <= limit_ms + overshoot_allowance_ms(log, policy))


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
        sel = ctx.claim_logs
        training = [lg for lg in sel.judged if lg.trains]
        if not training:
            return CheckOutcome(status=Status.WARN, message="no log backing the claim has a stop line to time")
        hard: list[Evidence] = []  # own cap above the limit, forced stop step: over under every policy
        for log in training:
            hard += own_cap_over(log, limit_ms) + forced_stop_steps(log)
        evidence: list[Evidence] = []
        verdicts: list[PolicyVerdict] = []
        for policy in ctx.policies:
            statuses = [Status.FAIL] if hard else []
            for log in training:
                if log.stop is None:
                    continue
                status, found = self._judge(ctx, sel, log, limit_ms, policy)
                statuses.append(status)
                if policy.name == ctx.policy_name:
                    evidence += found
            status = worst(statuses) if statuses else Status.WARN
            verdicts.append(PolicyVerdict(policy=policy.name, status=status, reason=self._reason(policy, status)))
        chosen = next(v for v in verdicts if v.policy == ctx.policy_name)
        message = "training within the cap"
        if chosen.status is Status.FAIL:
            worst_run = max(training, key=lambda lg: lg.stop.train_time_ms if lg.stop else 0)
            stop = worst_run.stop.train_time_ms if worst_run.stop else 0
            message = (
                f"training exceeded the wallclock cap: {stop:,} ms in {worst_run.path}"
                if stop
                else ("training exceeded the wallclock cap")
            )
            if hard:
                message += f" ({hard[0].note})"
        outcome = CheckOutcome(status=chosen.status, message=message, evidence=hard + evidence, verdicts=verdicts)
        return fold_unjudged(outcome, self._unjudged(ctx, sel, limit_ms), "a training time over the cap")

    @staticmethod
    def _judge(
        ctx: CheckContext, sel: LogSelection, log: ParsedLog, limit_ms: float, policy: Policy
    ) -> tuple[Status, list[Evidence]]:
        assert log.stop is not None
        allowed = limit_ms + overshoot_allowance_ms(log, policy)
        note = f"train_time (policy {policy.name} allows {allowed:,.0f} ms: cap + overshoot of the stop step)"
        own = in_log(log, log.stop.line, log.stop.text, note, measured=log.stop.train_time_ms, limit=int(limit_ms))
        if log.stop.train_time_ms <= allowed:
            return Status.PASS, [own]
        rerun = _rerun_in_budget(ctx, sel, log, limit_ms, policy)
        if rerun is not None:
            return Status.PASS, [own, rerun]
        return Status.FAIL, [own]

    @staticmethod
    def _unjudged(ctx: CheckContext, sel: LogSelection, limit_ms: float) -> list[Evidence]:
        found: list[Evidence] = []
        for log in sel.others:
            if not log.trains:
                continue
            found += [sel.unjudged(log, e) for e in own_cap_over(log, limit_ms) + forced_stop_steps(log)]
            if log.stop is not None and not _within(log, limit_ms, ctx.policy):
                note = "train_time over the cap"
                ev = in_log(
                    log, log.stop.line, log.stop.text, note, measured=log.stop.train_time_ms, limit=int(limit_ms)
                )
                found.append(sel.unjudged(log, ev))
        return found

    @staticmethod
    def _reason(policy: Policy, status: Status) -> str:
        if policy.train_overshoot_step_avgs > 0:
            rule = f"cap + {policy.train_overshoot_step_avgs:g} step_avg (or {policy.train_overshoot_ms} ms)"
        else:
            rule = "the cap exactly, no tolerance"
        return f"{status.value} against {rule}"


def _rerun_in_budget(
    ctx: CheckContext, sel: LogSelection, log: ParsedLog, limit_ms: float, policy: Policy
) -> Evidence | None:
    """A named rerun of the same seed, in budget and within noise of the claim, satisfies timing (D5)."""
    noise = ctx.ruleset.data.rerun_noise_bpb
    for rerun in sel.reruns_of(log, noise):
        if not _within(rerun, limit_ms, policy) or own_cap_over(rerun, limit_ms) or forced_stop_steps(rerun):
            continue
        assert rerun.stop is not None and rerun.final is not None and log.seed is not None
        note = (
            f"a named rerun of seed {log.seed.value} trained in budget and scored {rerun.final.val_bpb} "
            f"(claim {sel.claims[log.seed.value]}, noise bound {noise:g}): timing satisfied"
        )
        return in_log(
            rerun, rerun.stop.line, rerun.stop.text, note, measured=rerun.stop.train_time_ms, limit=int(limit_ms)
        )
    return None
