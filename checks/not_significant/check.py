from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Evidence, Location, PolicyVerdict, Status
from pgolf.ruleset import Policy
from pgolf.stats import SeedScore, TTest, paired_one_sided, welch_one_sided
from pgolf.submission_scores import seed_scores


def nats_per_bpb(*sides: tuple[SeedScore, ...]) -> float | None:
    """val_loss (nats/token) over val_bpb: the factor ln2 * bytes/token that converts bpb to nats."""
    pairs = [(s.val_loss, s.val_bpb) for side in sides for s in side if s.val_loss is not None and s.val_bpb > 0]
    if not pairs:
        return None
    return sum(loss for loss, _ in pairs) / sum(bpb for _, bpb in pairs)


def run_test(cand: tuple[SeedScore, ...], base: tuple[SeedScore, ...], margin_bpb: float) -> TTest:
    cand_by_seed = {s.seed: s.val_bpb for s in cand if s.seed is not None}
    base_by_seed = {s.seed: s.val_bpb for s in base if s.seed is not None}
    if len(set(cand_by_seed) & set(base_by_seed)) >= 2 and len(cand_by_seed) == len(cand):
        return paired_one_sided(cand_by_seed, base_by_seed, margin_bpb)
    return welch_one_sided([s.val_bpb for s in cand], [s.val_bpb for s in base], margin_bpb)


def policy_verdict(policy: Policy, cand: tuple[SeedScore, ...], base: tuple[SeedScore, ...]) -> PolicyVerdict:
    margin_bpb = 0.0
    if policy.significance_min_nats > 0:
        factor = nats_per_bpb(cand, base)
        if factor is None:
            return PolicyVerdict(
                policy=policy.name,
                status=Status.WARN,
                reason="no val_loss on either side to convert the nat margin to bpb",
            )
        margin_bpb = policy.significance_min_nats / factor
    try:
        t = run_test(cand, base, margin_bpb)
    except ValueError as exc:
        return PolicyVerdict(policy=policy.name, status=Status.FAIL, reason=f"cannot show significance: {exc}")
    ok = t.p < policy.significance_alpha
    reason = (
        f"{t.kind} one-sided test of improvement > {policy.significance_min_nats:g} nats "
        f"({margin_bpb:.5f} bpb): improvement {t.mean_improvement:.5f} bpb, t={t.t:.3f}, df={t.df:.2f}, "
        f"p={t.p:.4g} {'<' if ok else '>='} {policy.significance_alpha:g}"
    )
    return PolicyVerdict(policy=policy.name, status=Status.PASS if ok else Status.FAIL, reason=reason)


class NotSignificant:
    code: ClassVar[str] = "PG501"
    slug: ClassVar[str] = "not-significant"
    rule: ClassVar[str] = "SIGNIFICANCE"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        if ctx.baseline is None:
            return CheckOutcome(status=Status.SKIP, message="no baseline given (--baseline FOLDER or --baseline-bpb)")
        found = seed_scores(ctx)
        cand = tuple(s.score for s in found)
        base = ctx.baseline.scores
        if not cand:
            return CheckOutcome(status=Status.FAIL, message="no per-seed score to compare with the baseline")
        verdicts = [policy_verdict(p, cand, base) for p in ctx.policies]
        chosen = next(v for v in verdicts if v.policy == ctx.policy_name)
        evidence = [
            Evidence(
                location=Location(
                    path=s.log.path if s.log else (ctx.meta.path if ctx.meta else None),
                    line=s.log.final.line if s.log and s.log.final else None,
                ),
                note=f"candidate seed {s.seed} ({s.source})",
                measured=s.score.val_bpb,
            )
            for s in found
        ]
        evidence += [
            Evidence(location=Location(path=ctx.baseline.label), note=f"baseline seed {b.seed}", measured=b.val_bpb)
            for b in base
        ]
        mean_c = sum(s.val_bpb for s in cand) / len(cand)
        mean_b = sum(s.val_bpb for s in base) / len(base)
        message = f"mean val_bpb {mean_c:.5f} vs baseline {mean_b:.5f}: {chosen.reason}"
        return CheckOutcome(status=chosen.status, message=message, evidence=evidence, verdicts=verdicts)
