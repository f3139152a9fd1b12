from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from pgolf.audit import labels as L
from pgolf.audit.analysis import Reach
from pgolf.audit.detect_gptq import gptq_report
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, Location, PolicyVerdict, Status, worst
from pgolf.logs.model import ParsedLog
from pgolf.logs.selection import fold_unjudged
from pgolf.ruleset import Policy

# Sources as the log tags (pgolf.logs.patterns.GPTQ_SOURCE_TAGS) and the code audit's labels name them.
TRAINING, VALIDATION, SELF_GENERATED, RANDOM, NONE = "training", "validation", "self-generated", "random", "none"
_CODE_SOURCES = ((L.TRAIN, TRAINING), (L.VAL, VALIDATION), (L.GEN, SELF_GENERATED), (L.RAND, RANDOM))
_RESERVE_KEYS = ("gptq_reserve_seconds", "gptq_reserve_ms", "gptq_reserve_s")


@dataclass
class Calibration:
    """Where the claim's calibration tokens come from, from the logs' tags and the code audit (PG410/PG411)."""

    sources: set[str] = field(default_factory=set)
    evidence: list[Evidence] = field(default_factory=list)
    code_reserve: Location | None = None  # where the code subtracts a reserve from the cap
    code_analysed: bool = False


def calibration(ctx: CheckContext, logs: list[ParsedLog]) -> Calibration:
    found = Calibration()
    for log in logs:
        if (tag := log.gptq_source) is not None:
            found.sources.add(tag.value)
            found.evidence.append(in_log(log, tag.line, tag.text, f"calibration source per the log: {tag.value}"))
    analysis = ctx.analysis if ctx.sources.analysable else None
    if analysis is not None:
        found.code_analysed = True
        report = gptq_report(analysis)
        found.code_reserve = report.reserve
        for cal in report.calibrations:
            if cal.path.reach is not Reach.LIVE:
                continue
            kinds = {name for bit, name in _CODE_SOURCES if cal.data & bit}
            found.sources |= kinds
            if kinds:
                note = f"calibration source per the code audit: {cal.source}"
                found.evidence.append(Evidence(location=cal.location, note=note))
    return found


def reserve_evidence(log: ParsedLog, limit_s: float, cal: Calibration) -> Evidence | None:
    """A GPTQ reserve taken from the wall-clock cap: the log's `gptq:reserving`, the code, or (only
    when the code could not be analysed) the hyperparameter dump. A declared reserve that the code
    never subtracts is no reserve."""
    eff = log.gptq_reserve_effective_ms
    if eff is not None and eff.value < limit_s * 1000:
        note = f"GPTQ reserve: training stops at {eff.value:,} ms"
        return in_log(log, eff.line, eff.text, note, measured=eff.value, limit=int(limit_s * 1000))
    if cal.code_reserve is not None:
        return Evidence(location=cal.code_reserve, note="GPTQ reserve subtracted from the wall-clock cap in the code")
    if cal.code_analysed:
        return None
    for key in _RESERVE_KEYS:
        value = log.hyperparameters.get(key)
        if value is not None and _positive(value.value):
            return in_log(log, value.line, value.text, f"GPTQ reserve in the hyperparameters ({key})")
    return None


def _positive(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


@dataclass(frozen=True)
class Timing:
    """One training log's GPTQ timing: whether it reads training data after the timer, by how much."""

    log: ParsedLog
    train_s: float
    hessian_s: float | None
    reserve: Evidence | None
    evidence: Evidence

    @property
    def total_s(self) -> float | None:
        return None if self.hessian_s is None else round(self.train_s + self.hessian_s, 3)


def timing(log: ParsedLog, limit_s: float, cal: Calibration) -> Timing | None:
    """None when the log has no stop line or no sign of GPTQ calibration."""
    if log.stop is None:
        return None
    marker = log.gptq_hessian_seconds or log.gptq_hessians or log.gptq_calibration
    if marker is None:
        return None
    train_s = log.stop.train_time_ms / 1000
    hessian = log.gptq_hessian_seconds.value if log.gptq_hessian_seconds is not None else None
    reserve = reserve_evidence(log, limit_s, cal)
    if hessian is not None:
        note = f"train_time {train_s:.3f} s + Hessian collection {hessian} s"
        measured: float = round(train_s + hessian, 3)
    else:
        note = f"calibration after a stop at {train_s:.3f} s; its duration is not logged"
        measured = train_s
    ev = in_log(log, marker.line, marker.text, note, measured=measured, limit=limit_s)
    return Timing(log=log, train_s=train_s, hessian_s=hessian, reserve=reserve, evidence=ev)


def judge(t: Timing, limit_s: float, policy: Policy) -> tuple[Status, str]:
    """D2: severity follows the arithmetic and whether a reserve pays for the Hessians."""
    total = t.total_s
    if total is not None and total <= limit_s:
        return Status.PASS, f"train + Hessians {total:.3f} s within {limit_s:g} s"
    if t.reserve is None:
        if t.train_s >= limit_s or total is not None:
            return policy.gptq_no_reserve_status, (
                "training-data Hessians collected after the timer with no reserve: "
                f"train + Hessians {total if total is not None else f'>= {t.train_s:.3f}'} s"
            )
        return Status.WARN, "no reserve, and the Hessian collection time is not logged: cannot verify"
    if total is None:
        return Status.WARN, "a reserve is taken, but the Hessian collection time is not logged: cannot verify"
    over = round(total - limit_s, 3)
    if over <= policy.gptq_overshoot_tolerance_s:
        return (
            Status.PASS,
            f"reserve taken; Hessians end {over:g} s past {limit_s:g} s "
            f"(tolerance {policy.gptq_overshoot_tolerance_s:g} s)",
        )
    return policy.gptq_overshoot_status, f"reserve taken, but Hessians end {over:g} s past {limit_s:g} s"


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
        sel = ctx.claim_logs
        cal = calibration(ctx, list(sel.judged))
        timings = [t for lg in sel.judged if (t := timing(lg, limit_s, cal)) is not None]
        if not timings and not cal.sources:
            return CheckOutcome(status=Status.SKIP, message="no GPTQ calibration in the claim's logs or code")
        if TRAINING not in cal.sources and cal.sources:
            return self._not_training(cal)
        if not timings:
            return CheckOutcome(
                status=Status.SKIP,
                message="training-data calibration in the code, but no log backing the claim times it",
                evidence=cal.evidence,
            )
        verdicts: list[PolicyVerdict] = []
        evidence: list[Evidence] = []
        for policy in ctx.policies:
            results = [self._judge_with_reruns(ctx, t, limit_s, policy, cal) for t in timings]
            status = worst(s for s, _, _ in results)
            reasons = [r for s, r, _ in results if s is status]
            more = f" (and {len(reasons) - 1} more run(s) alike)" if len(reasons) > 1 else ""
            verdicts.append(PolicyVerdict(policy=policy.name, status=status, reason=reasons[0] + more))
            if policy.name == ctx.policy_name:
                evidence = [e for _, _, evs in results for e in evs]
        chosen = next(v for v in verdicts if v.policy == ctx.policy_name)
        sources = ", ".join(sorted(cal.sources)) or "unstated (assumed training data)"
        outcome = CheckOutcome(
            status=chosen.status,
            message=f"GPTQ calibration on {sources}: {chosen.reason}",
            evidence=evidence + cal.evidence,
            verdicts=verdicts,
            certainty="certain" if cal.sources else "heuristic",
        )
        unjudged = [
            sel.unjudged(lg, t.evidence)
            for lg in sel.others
            if (t := timing(lg, limit_s, cal)) is not None and judge(t, limit_s, ctx.policy)[0] is not Status.PASS
        ]
        return fold_unjudged(outcome, unjudged, "GPTQ calibration past the training budget")

    @staticmethod
    def _judge_with_reruns(
        ctx: CheckContext, t: Timing, limit_s: float, policy: Policy, cal: Calibration
    ) -> tuple[Status, str, list[Evidence]]:
        status, reason = judge(t, limit_s, policy)
        evidence = [t.evidence] + ([t.reserve] if t.reserve is not None else [])
        if status is Status.PASS:
            return status, reason, evidence
        for rerun in ctx.claim_logs.reruns_of(t.log, ctx.ruleset.data.rerun_noise_bpb):
            rt = timing(rerun, limit_s, cal)
            if rt is not None and judge(rt, limit_s, policy)[0] is Status.PASS:
                note = f"a named rerun of this seed fits the budget, within noise of the claim: {rt.evidence.note}"
                return (
                    Status.PASS,
                    "a named rerun in budget satisfies timing",
                    [*evidence, rt.evidence.model_copy(update={"note": note})],
                )
        return status, reason, evidence

    @staticmethod
    def _not_training(cal: Calibration) -> CheckOutcome:
        """D1: the timing rule covers training-data reads only; validation calibration is PG410's finding."""
        if VALIDATION in cal.sources:
            message = (
                "calibration reads validation data: that is GPTQ-CALIB-DATA (PG410), not a timing matter; "
                "the training budget rule covers training-data reads only"
            )
        else:
            kinds = ", ".join(sorted(cal.sources))
            message = f"calibration on {kinds} tokens reads no training data: the budget rule does not apply"
        return CheckOutcome(status=Status.PASS, message=message, evidence=cal.evidence)
