from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Status
from pgolf.stats import MIN_TEST_SAMPLES
from pgolf.submission_scores import seed_scores


class TooFewSeeds:
    code: ClassVar[str] = "PG208"
    slug: ClassVar[str] = "too-few-seeds"
    rule: ClassVar[str] = "SIGNIFICANCE"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        need = ctx.track.min_seeds
        logged = [s for s in seed_scores(ctx) if s.source == "log" and s.log is not None and s.log.final is not None]
        evidence = [
            in_log(s.log, s.log.final.line, s.log.final.text, f"seed {s.seed} scored", measured=s.score.val_bpb)
            for s in logged
            if s.log is not None and s.log.final is not None
        ]
        distinct = {s.seed for s in logged if s.seed is not None}
        unseeded = sum(1 for s in logged if s.seed is None)
        count = len(distinct) + unseeded
        if count >= need:
            return CheckOutcome(
                status=Status.PASS,
                message=f"{count} seed(s) with logged scores (need {need})",
                evidence=evidence,
            )
        if ctx.baseline is not None and count < MIN_TEST_SAMPLES:
            # The significance test against the supplied baseline cannot be run at all (PG501 says so too).
            return CheckOutcome(
                status=Status.FAIL,
                message=f"{count} seed(s) with a logged score: a significance test against the baseline "
                f"needs at least {MIN_TEST_SAMPLES}",
                evidence=evidence,
            )
        return CheckOutcome(
            status=Status.WARN,
            message=f"{count} seed(s) with a logged score ({ctx.track.name} expects {need}): "
            "significance cannot be shown from this folder; PG501 tests it against a baseline",
            evidence=evidence,
        )
