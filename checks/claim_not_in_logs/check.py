from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_json, in_log
from pgolf.findings import CheckOutcome, Evidence, PolicyName, PolicyVerdict, Status, worst
from pgolf.logs.model import ParsedLog, SizeKind
from pgolf.logs.selection import printed_tolerance
from pgolf.meta.model import SeedClaim, SubmissionMeta
from pgolf.submission_scores import logs_by_seed, pick_log, seed_scores


@dataclass
class _Findings:
    """Findings sorted by how each policy treats them (D7c)."""

    missing: list[Evidence] = field(default_factory=list)  # a claimed seed with no log at all: missing evidence
    better: list[Evidence] = field(default_factory=list)  # a claim better than every logged score
    differs: list[Evidence] = field(default_factory=list)  # a claim that no line carries, not better than all
    warn: list[Evidence] = field(default_factory=list)  # another label, rounding, bytes
    ok: list[Evidence] = field(default_factory=list)


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
            logs = grouped.get(seed) or self._unseeded_carrying(grouped.get(None, []), claim, tol)
            if not logs and self._unscored_logs_of(ctx, seed) and claim.val_bpb is not None:
                note = f"seed {seed}: its log has no score line pgolf can read (non-standard format?)"
                found.warn.append(in_json(meta.path, claim.val_bpb, note, limit=claim.val_bpb.value))
                continue
            self._seed(meta, seed, claim, logs, tol, found)
        self._headline(ctx, meta, found)
        self._bytes_total(meta, ctx.logs, found)
        verdicts = [self._verdict(ctx, p.name, p.nonrecord_missing_evidence_status, found) for p in ctx.policies]
        status = next(v.status for v in verdicts if v.policy == ctx.policy_name)
        problems = found.missing + found.better + found.differs
        evidence = problems + found.warn + found.ok
        if problems:
            return CheckOutcome(
                status=status,
                message=f"{len(problems)} claim(s) no log line supports",
                evidence=evidence,
                verdicts=verdicts,
            )
        if found.warn:
            return CheckOutcome(
                status=Status.WARN,
                message=f"{len(found.warn)} claim(s) differ from the reported lines",
                evidence=evidence,
            )
        if not found.ok:
            return CheckOutcome(status=Status.SKIP, message="submission.json makes no claim a log could support")
        return CheckOutcome(status=Status.PASS, message=f"{len(found.ok)} claim(s) match log lines", evidence=found.ok)

    @staticmethod
    def _unseeded_carrying(unseeded: list[ParsedLog], claim: SeedClaim, tol: float) -> list[ParsedLog]:
        """Logs that state no seed (`train.log`) but print the claimed score: they carry the claim."""
        if claim.val_bpb is None:
            return []
        wanted = claim.val_bpb.value
        return [lg for lg in unseeded if any(abs(m.val_bpb - wanted) <= tol for m in lg.metrics)]

    @staticmethod
    def _unscored_logs_of(ctx: CheckContext, seed: int) -> bool:
        return any(lg.seed is not None and lg.seed.value == seed and lg.final is None for lg in ctx.logs)

    @staticmethod
    def _verdict(ctx: CheckContext, policy: PolicyName, nonrecord_gap: Status, found: _Findings) -> PolicyVerdict:
        """Missing logs fail (record track); a claim better than every logged score fails as the README
        is written; any other mismatch is a warning that reports it (leaderboard practice, D7c)."""
        statuses = [Status.WARN] * bool(found.warn or found.differs)
        if found.missing:
            statuses.append(Status.FAIL if ctx.track.record else nonrecord_gap)
        if found.better:
            statuses.append(Status.FAIL if policy == "readme" else Status.WARN)
        status = worst(statuses) if statuses else Status.PASS
        if found.missing and status is Status.FAIL:
            reason = "a claimed seed has no log"
        elif found.better:
            reason = "a claim is better than every logged score" + (
                "" if policy == "readme" else ": reported, the claim is not the logs' (practice reports mismatches)"
            )
        elif found.differs:
            reason = "claims differ from the logged scores"
        else:
            reason = "claims match the logs" if status is Status.PASS else "claims differ from the reported lines"
        return PolicyVerdict(policy=policy, status=status, reason=reason)

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
            note = f"seed {seed}: claimed val_bpb has no scored log"
            found.missing.append(in_json(meta.path, claim.val_bpb, note, measured=None, limit=wanted))
            return
        log = pick_log(logs, claim, tol)
        assert log.final is not None
        if abs(log.final.val_bpb - wanted) <= tol:
            note = f"seed {seed}: claim {wanted} matches"
            found.ok.append(in_log(log, log.final.line, log.final.text, note, measured=log.final.val_bpb))
        else:
            other = next(((lg, m) for lg in logs for m in lg.metrics if abs(m.val_bpb - wanted) <= tol), None)
            if other is not None:
                lg, m = other
                note = (
                    f"seed {seed}: claim {wanted} is the {m.label!r} line, "
                    f"not the final {log.final.label!r} ({log.final.val_bpb})"
                )
                found.warn.append(in_log(lg, m.line, m.text, note, measured=m.val_bpb))
            else:
                best = min(lg.final.val_bpb for lg in logs if lg.final is not None)
                note = f"seed {seed}: claimed val_bpb {wanted} appears on no line of its logs"
                ev = in_log(log, log.final.line, log.final.text, note, measured=log.final.val_bpb, limit=wanted)
                (found.better if wanted < best - tol else found.differs).append(ev)
        if claim.artifact_bytes is not None:
            total = log.size(SizeKind.TOTAL)
            if total is not None and total.bytes != claim.artifact_bytes.value:
                note = (
                    f"seed {seed}: claimed artifact_bytes {claim.artifact_bytes.value} differs "
                    "from the logged total (model-only bytes?)"
                )
                found.warn.append(in_log(log, total.line, total.text, note, measured=total.bytes))

    def _headline(self, ctx: CheckContext, meta: SubmissionMeta, found: _Findings) -> None:
        if meta.val_bpb is None:
            return
        scored = [s for s in seed_scores(ctx) if s.source == "log"]
        if not scored:
            if ctx.logs:
                note = "headline val_bpb: no log carries a score pgolf can read (non-standard log format?)"
                found.warn.append(in_json(meta.path, meta.val_bpb, note))
            return
        scores = [s.score.val_bpb for s in scored]
        mean = sum(scores) / len(scores)
        headline = meta.val_bpb.value
        diff = abs(mean - headline)
        note = f"headline val_bpb vs the mean of {len(scores)} logged seed score(s)"
        evidence = in_json(meta.path, meta.val_bpb, note, measured=round(mean, 8), limit=headline)
        if diff > ctx.ruleset.data.headline_tolerance_bpb:
            every = [m.val_bpb for lg in ctx.claim_logs.judged for m in lg.metrics if not m.diagnostic]
            better = headline < min(every or scores) - ctx.ruleset.data.claim_tolerance_bpb
            (found.better if better else found.differs).append(evidence)
        elif diff > printed_tolerance(headline, ctx.ruleset.data.claim_tolerance_bpb):
            found.warn.append(evidence)
        else:
            found.ok.append(evidence)

    def _bytes_total(self, meta: SubmissionMeta, logs: list[ParsedLog], found: _Findings) -> None:
        totals = [(lg, t) for lg in logs if (t := lg.size(SizeKind.TOTAL)) is not None]
        if meta.bytes_total is None or not totals:
            return
        log, line = max(totals, key=lambda p: p[1].bytes)
        if line.bytes != meta.bytes_total.value:
            note = f"claimed bytes_total {meta.bytes_total.value} differs from the largest logged total"
            found.warn.append(
                in_log(log, line.line, line.text, note, measured=line.bytes, limit=meta.bytes_total.value)
            )
