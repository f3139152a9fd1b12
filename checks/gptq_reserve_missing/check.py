"""PG411 gptq-reserve-missing: training-data Hessians must be paid for from the 600 s budget."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit import labels as L
from pgolf.audit.analysis import Reach
from pgolf.audit.context import logs_of
from pgolf.audit.detect_gptq import Calibration, gptq_report
from pgolf.audit.report import analysis_or_skip, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Evidence, Location, PolicyVerdict, Status


class GptqReserveMissing:
    code: ClassVar[str] = "PG411"
    slug: ClassVar[str] = "gptq-reserve-missing"
    rule: ClassVar[str] = "GPTQ-CALIB-TIMING"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        if not ctx.track.record:  # as PG204: only the record track has a training budget to pay from
            return CheckOutcome(status=Status.SKIP, message=f"{ctx.track.name} is exempt from the training budget")
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        report = gptq_report(analysis)
        active = [c for c in report.calibrations if c.data & L.TRAIN and c.path.reach is Reach.LIVE]
        if not active:
            return outcome(
                [], "no GPTQ calibration reads training data on the run's path", incomplete=analysis.incomplete
            )
        if report.reserve is not None:
            return CheckOutcome(
                status=Status.PASS,
                message="training-data GPTQ calibration with a reserve taken from the wall-clock budget",
                evidence=[Evidence(location=report.reserve, note="the reserve is subtracted from the cap here")],
            )
        return self._no_reserve(ctx, active[0])

    def _no_reserve(self, ctx: CheckContext, cal: Calibration) -> CheckOutcome:
        """No reserve in the code: the logs decide whether training + Hessians still fit."""
        limit = ctx.track.max_train_seconds
        timings = _timings(ctx)
        evidence = [
            Evidence(
                location=cal.location,
                note="Hessians are collected from training data here, after "
                "the training loop, and no reserve is subtracted from the wall-clock cap",
            )
        ]
        if timings and all(total <= limit for total, _ in timings):
            worst = max(total for total, _ in timings)
            return CheckOutcome(
                status=Status.PASS,
                evidence=evidence,
                message=f"no reserve in the code, but the logs show training + Hessians within "
                f"{limit:.0f} s (worst {worst:.1f} s)",
            )
        evidence += [
            Evidence(location=where, note="training + Hessian collection", measured=round(total, 3), limit=limit)
            for total, where in timings
            if total > limit
        ]
        verdicts = [
            PolicyVerdict(
                policy=p.name,
                status=p.gptq_no_reserve_status,
                reason="training-data calibration runs after the capped loop with no reserve",
            )
            for p in ctx.policies
        ]
        status = next(v.status for v in verdicts if v.policy == ctx.policy_name)
        return CheckOutcome(
            status=status,
            evidence=evidence,
            verdicts=verdicts,
            certainty="certain" if timings else "heuristic",
            message="GPTQ reads training data after the training loop and the code reserves no "
            "time for it (GPTQ_RESERVE_SECONDS): training + calibration can exceed the budget",
        )


def _timings(ctx: CheckContext) -> list[tuple[float, Location]]:
    """(train_time + Hessian seconds, where) for every log that prints both."""
    out = []
    for log in logs_of(ctx):
        if log.stop is not None and log.gptq_hessian_seconds is not None:
            total = log.stop.train_time_ms / 1000 + log.gptq_hessian_seconds.value
            out.append((total, Location(path=log.path, line=log.gptq_hessian_seconds.line)))
    return out
