"""Per-seed scores of a submission: which log carries each seed's reported number.

Several logs per seed (original and rerun), eval-only reruns and reference logs are common, so a
seed's score is taken from the log whose final line supports the claim, else from the training
log, never by merging logs.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pgolf.catalogue import CheckContext
from pgolf.logs.model import FinalScore, LogRole, MetricLine, ParsedLog
from pgolf.meta.model import SeedClaim
from pgolf.stats import SeedScore

SCORING_ROLES = (LogRole.TRAIN, LogRole.EVAL_ONLY, LogRole.RERUN)
_ROLE_RANK = {LogRole.TRAIN: 0, LogRole.EVAL_ONLY: 1, LogRole.RERUN: 2}


class SeedEvidence(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    seed: int | None
    score: SeedScore
    source: Literal["log", "claim"]
    log: ParsedLog | None = None
    claim: SeedClaim | None = None


def logs_by_seed(logs: list[ParsedLog]) -> dict[int | None, list[ParsedLog]]:
    grouped: dict[int | None, list[ParsedLog]] = defaultdict(list)
    for log in logs:
        if log.role in SCORING_ROLES and log.final is not None:
            grouped[log.seed.value if log.seed else None].append(log)
    for group in grouped.values():
        group.sort(key=lambda g: (_ROLE_RANK[g.role], g.path))
    return dict(grouped)


def pick_log(candidates: list[ParsedLog], claim: SeedClaim | None, tolerance: float) -> ParsedLog:
    if claim is not None and claim.val_bpb is not None:
        wanted = claim.val_bpb.value
        for log in candidates:
            if log.final is not None and abs(log.final.val_bpb - wanted) <= tolerance:
                return log
    return candidates[0]


def claimed_line(log: ParsedLog, claim: SeedClaim | None, tolerance: float) -> MetricLine | FinalScore:
    """The log's final score, or the non-diagnostic line that carries the claim when the final does not
    (a later, worse `final_int6_ttt` line after the claimed `final_int6_sliding_window`, §3.4 step 5)."""
    assert log.final is not None
    if claim is None or claim.val_bpb is None or abs(log.final.val_bpb - claim.val_bpb.value) <= tolerance:
        return log.final
    wanted = claim.val_bpb.value
    match = next((m for m in log.metrics if not m.diagnostic and abs(m.val_bpb - wanted) <= tolerance), None)
    return match or log.final


def seed_scores(ctx: CheckContext) -> list[SeedEvidence]:
    """One score per seed: from its best-supported log, else from the claim alone."""
    claims = ctx.meta.meta.seed_results if ctx.meta and ctx.meta.meta else {}
    grouped = logs_by_seed(ctx.logs)
    tolerance = ctx.ruleset.data.claim_tolerance_bpb
    out: list[SeedEvidence] = []
    for seed in sorted(set(grouped) | set(claims), key=lambda s: (s is None, s or 0)):
        claim = claims.get(seed) if seed is not None else None
        if seed in grouped:
            log = pick_log(grouped[seed], claim, tolerance)
            assert log.final is not None  # logs_by_seed keeps only scored logs
            line = claimed_line(log, claim, tolerance)
            score = SeedScore(seed=seed, val_bpb=line.val_bpb, val_loss=line.val_loss)
            out.append(SeedEvidence(seed=seed, score=score, source="log", log=log, claim=claim))
        elif claim is not None and claim.val_bpb is not None:
            loss = claim.val_loss.value if claim.val_loss else None
            score = SeedScore(seed=seed, val_bpb=claim.val_bpb.value, val_loss=loss)
            out.append(SeedEvidence(seed=seed, score=score, source="claim", claim=claim))
    return out
