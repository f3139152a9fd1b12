from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_json, in_log
from pgolf.findings import CheckOutcome, Evidence, Status
from pgolf.logs.model import ParsedLog, SizeKind
from pgolf.meta.model import SeedClaim, SubmissionMeta
from pgolf.submission_scores import logs_by_seed, pick_log, seed_scores


def _printed_tolerance(value: float, floor: float) -> float:
    """Half a unit of the last printed decimal: 1.0614 claims only 4 decimals of the mean."""
    text = repr(value)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 8
    return max(floor, 0.5 * 10.0**-decimals)


class _Findings:
    def __init__(self) -> None:
        self.fail: list[Evidence] = []
        self.warn: list[Evidence] = []
        self.ok: list[Evidence] = []


class ClaimNotInLogs:
    code: ClassVar[str] = "PG103"
    slug: ClassVar[str] = "claim-not-in-logs"
    rule: ClassVar[str] = "REQUIRED-FILES"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        meta = ctx.meta.meta if ctx.meta else None
        if meta is None:
            return CheckOutcome(status=Status.SKIP, message="no readable submission.json (PG101/PG102 report it)")
        found = _Findings()
        grouped = logs_by_seed(ctx.logs)
        tol = ctx.ruleset.data.claim_tolerance_bpb
        for seed, claim in sorted(meta.seed_results.items()):
            self._seed(meta, seed, claim, grouped.get(seed, []), tol, found)
        self._headline(ctx, meta, found)
        self._bytes_total(meta, ctx.logs, found)
        if found.fail:
            return CheckOutcome(
                status=Status.FAIL,
                message=f"{len(found.fail)} claim(s) no log line supports",
                evidence=found.fail + found.warn + found.ok,
            )
        if found.warn:
            return CheckOutcome(
                status=Status.WARN,
                message=f"{len(found.warn)} claim(s) differ from the reported lines",
                evidence=found.warn + found.ok,
            )
        if not found.ok:
            return CheckOutcome(status=Status.SKIP, message="submission.json makes no claim a log could support")
        return CheckOutcome(status=Status.PASS, message=f"{len(found.ok)} claim(s) match log lines", evidence=found.ok)

    def _seed(
        self,
        meta: SubmissionMeta,
        seed: int,
        claim: SeedClaim,
        logs: list[ParsedLog],
        tol: float,
        found: _Findings,
    ) -> None:
        if claim.val_bpb is None:
            return
        wanted = claim.val_bpb.value
        if not logs:
            found.fail.append(
                in_json(
                    meta.path,
                    claim.val_bpb,
                    f"seed {seed}: claimed val_bpb has no scored log",
                    measured=None,
                    limit=wanted,
                )
            )
            return
        log = pick_log(logs, claim, tol)
        assert log.final is not None
        if abs(log.final.val_bpb - wanted) <= tol:
            found.ok.append(
                in_log(
                    log,
                    log.final.line,
                    log.final.text,
                    f"seed {seed}: claim {wanted} matches",
                    measured=log.final.val_bpb,
                )
            )
        else:
            other = next(((lg, m) for lg in logs for m in lg.metrics if abs(m.val_bpb - wanted) <= tol), None)
            if other is not None:
                lg, m = other
                found.warn.append(
                    in_log(
                        lg,
                        m.line,
                        m.text,
                        f"seed {seed}: claim {wanted} is the {m.label!r} line, "
                        f"not the final {log.final.label!r} ({log.final.val_bpb})",
                        measured=m.val_bpb,
                    )
                )
            else:
                found.fail.append(
                    in_log(
                        log,
                        log.final.line,
                        log.final.text,
                        f"seed {seed}: claimed val_bpb {wanted} appears on no line of its logs",
                        measured=log.final.val_bpb,
                        limit=wanted,
                    )
                )
        if claim.artifact_bytes is not None:
            total = log.size(SizeKind.TOTAL)
            if total is not None and total.bytes != claim.artifact_bytes.value:
                found.warn.append(
                    in_log(
                        log,
                        total.line,
                        total.text,
                        f"seed {seed}: claimed artifact_bytes {claim.artifact_bytes.value} differs "
                        "from the logged total (model-only bytes?)",
                        measured=total.bytes,
                    )
                )

    def _headline(self, ctx: CheckContext, meta: SubmissionMeta, found: _Findings) -> None:
        if meta.val_bpb is None:
            return
        scores = [s.score.val_bpb for s in seed_scores(ctx) if s.source == "log"]
        if not scores:
            if meta.seed_results or not ctx.logs:
                found.fail.append(in_json(meta.path, meta.val_bpb, "headline val_bpb: no log carries any score"))
            return
        mean = sum(scores) / len(scores)
        diff = abs(mean - meta.val_bpb.value)
        note = f"headline val_bpb vs the mean of {len(scores)} logged seed score(s)"
        evidence = in_json(meta.path, meta.val_bpb, note, measured=round(mean, 8), limit=meta.val_bpb.value)
        if diff > ctx.ruleset.data.headline_tolerance_bpb:
            found.fail.append(evidence)
        elif diff > _printed_tolerance(meta.val_bpb.value, ctx.ruleset.data.claim_tolerance_bpb):
            found.warn.append(evidence)
        else:
            found.ok.append(evidence)

    def _bytes_total(self, meta: SubmissionMeta, logs: list[ParsedLog], found: _Findings) -> None:
        totals = [(lg, t) for lg in logs if (t := lg.size(SizeKind.TOTAL)) is not None]
        if meta.bytes_total is None or not totals:
            return
        log, line = max(totals, key=lambda p: p[1].bytes)
        if line.bytes != meta.bytes_total.value:
            found.warn.append(
                in_log(
                    log,
                    line.line,
                    line.text,
                    f"claimed bytes_total {meta.bytes_total.value} differs from the largest logged total",
                    measured=line.bytes,
                    limit=meta.bytes_total.value,
                )
            )
