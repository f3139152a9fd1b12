"""Which logs back the claim: the logs that the timing, hardware, gate, precompute and data rules judge.

A records folder often holds more logs than runs it claims: first attempts superseded by fixed
reruns, exploratory runs on other hardware, eval-only reruns, a parent's reference logs. The log
rules judge the runs the submission stands on, so:

1. For each claimed seed (submission.json `seed_results`), the logs whose final score equals the
   claim back it (`claimed`); failing that, logs with any non-diagnostic metric line equal to it;
   failing that, every log of that seed (`seed`: the claim differs from the logs, PG103's finding,
   and its runs are still judged). An eval-only log that carries a claim brings the training logs
   of its seed (`companion`).
2. Without per-seed claims, a headline `val_bpb` equal to the final score of logs of a single seed
   (a one-run submission) selects those logs.
3. When no claim matches any log, every log is judged (`all`).
Logs of a claimed seed that are not selected are `superseded`; logs of no claimed seed are
`exploratory`; a parent's logs are `reference`. Those are not judged: checks report what they
show as notes or a WARN ("a superseded log shows ..."), never as a failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from pathlib import PurePosixPath

from pydantic import BaseModel, ConfigDict

from pgolf.findings import CheckOutcome, Evidence, PolicyVerdict, Status
from pgolf.logs.model import LogRole, ParsedLog
from pgolf.meta.model import Claimed, SubmissionMeta


class Standing(StrEnum):
    CLAIMED = "claimed"  # its score is a claimed score
    COMPANION = "companion"  # trains the seed whose claim an eval-only log carries
    SEED = "seed"  # a log of a claimed seed that no log's score matches
    ALL = "all"  # no claim matched any log: every log is judged
    SUPERSEDED = "superseded"  # another log of the same seed carries the claim
    EXPLORATORY = "exploratory"  # of no claimed seed while other logs carry the claims
    REFERENCE = "reference"  # a parent submission's log, kept for comparison

    @property
    def judged(self) -> bool:
        return self in _JUDGED


_JUDGED = frozenset({Standing.CLAIMED, Standing.COMPANION, Standing.SEED, Standing.ALL})


def printed_tolerance(value: float, floor: float) -> float:
    """Half a unit of the last printed decimal: a claim of 1.0614 states only 4 decimals."""
    text = repr(value)
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 8
    return max(floor, 0.5 * 10.0**-decimals)


class LogSelection(BaseModel):
    """The logs the log rules judge, and why every other log is not judged."""

    model_config = ConfigDict(frozen=True)

    judged: tuple[ParsedLog, ...]
    others: tuple[ParsedLog, ...]
    standing: dict[str, Standing]  # by log path
    carrier: dict[str, str]  # by path of a superseded log: the log that carries its seed's claim
    claims: dict[int, float]  # claimed val_bpb by seed
    basis: str  # one sentence for reports: how the selection was made

    def standing_of(self, log: ParsedLog) -> Standing:
        return self.standing[log.path]

    def is_judged(self, log: ParsedLog) -> bool:
        return self.standing[log.path].judged

    def why_not_judged(self, log: ParsedLog) -> str:
        """'superseded by train_seed42_fixed.log' and the like: the prefix of a WARN or a note."""
        standing = self.standing[log.path]
        kind = "rerun" if standing is Standing.SUPERSEDED and log.role is LogRole.RERUN else standing.value
        if standing is Standing.SUPERSEDED and log.path in self.carrier:
            return f"{_article(kind)} {kind} log ({log.path}; the claim is carried by {self.carrier[log.path]})"
        return f"{_article(kind)} {kind} log ({log.path}, not backing the claim)"

    def unjudged(self, log: ParsedLog, evidence: Evidence) -> Evidence:
        """Evidence from a log that is not judged, reworded as "a superseded log ... shows: ..."."""
        return evidence.model_copy(update={"note": f"{self.why_not_judged(log)} shows: {evidence.note}"})

    def reruns_of(self, log: ParsedLog, noise_bpb: float) -> list[ParsedLog]:
        """Unselected logs of the same seed, named as reruns (rerun/repro/retry/_v2), whose final
        score is within `noise_bpb` of the seed's claim: they may stand in for its timing (D5)."""
        if log.seed is None or log.seed.value not in self.claims:
            return []
        claim = self.claims[log.seed.value]
        return [
            other
            for other in self.others
            if other.role is LogRole.RERUN
            and other.seed is not None
            and other.seed.value == log.seed.value
            and other.final is not None
            and abs(other.final.val_bpb - claim) <= noise_bpb
        ]


def _article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def fold_unjudged(outcome: CheckOutcome, unjudged: list[Evidence], what: str) -> CheckOutcome:
    """Add what unselected logs show: never a failure; a PASS/SKIP becomes WARN "a ... log shows X".

    `unjudged` is evidence already reworded by `LogSelection.unjudged`; `what` names the finding
    ("train_time over the cap"). Policy verdicts that passed become warnings too.
    """
    if not unjudged:
        return outcome
    note = f"not judged (not backing the claim), but {len(unjudged)} finding(s) in other logs: {what}"
    verdicts = [
        v
        if v.status not in (Status.PASS, Status.SKIP)
        else PolicyVerdict(policy=v.policy, status=Status.WARN, reason=note)
        for v in outcome.verdicts
    ]
    if outcome.status not in (Status.PASS, Status.SKIP):
        return outcome.model_copy(update={"evidence": [*outcome.evidence, *unjudged], "verdicts": verdicts})
    return CheckOutcome(
        status=Status.WARN,
        message=f"{outcome.message}; {unjudged[0].note.split(' shows: ')[0]} shows {what}",
        evidence=[*outcome.evidence, *unjudged],
        verdicts=verdicts,
        certainty=outcome.certainty,
    )


def _seed(log: ParsedLog) -> int | None:
    return log.seed.value if log.seed is not None else None


def _final_matches(log: ParsedLog, value: float, tol: float) -> bool:
    return log.final is not None and abs(log.final.val_bpb - value) <= tol


def _any_line_matches(log: ParsedLog, value: float, tol: float) -> bool:
    return any(not m.diagnostic and abs(m.val_bpb - value) <= tol for m in log.metrics)


def select_claim_logs(logs: Sequence[ParsedLog], meta: SubmissionMeta | None, tolerance: float) -> LogSelection:
    """Select the logs backing the claims of `meta` (see the module docstring for the order of tiers)."""
    standing: dict[str, Standing] = {}
    carrier: dict[str, str] = {}
    own = [lg for lg in logs if lg.role is not LogRole.REFERENCE]
    for lg in logs:
        if lg.role is LogRole.REFERENCE:
            standing[lg.path] = Standing.REFERENCE
    claims = _seed_claims(meta)
    basis = ""
    if claims:
        basis = _select_by_seed(own, claims, tolerance, standing)
    elif meta is not None and meta.val_bpb is not None:
        basis = _select_by_headline(own, meta.val_bpb, tolerance, standing)
    if not any(s.judged for s in standing.values()):
        for lg in own:
            standing[lg.path] = Standing.ALL
        basis = "no claim matches a log's score: every log is judged" if claims or basis else "no claims: every log"
    else:
        claimed_seeds = {_seed(lg) for lg in own if lg.path in standing and standing[lg.path].judged}
        carriers = {_seed(lg): lg.path for lg in reversed(own) if standing.get(lg.path) is Standing.CLAIMED}
        for lg in own:
            if lg.path in standing:
                continue
            seed = _seed(lg)
            if seed is not None and seed in claimed_seeds:
                standing[lg.path] = Standing.SUPERSEDED
                if seed in carriers:
                    carrier[lg.path] = carriers[seed]
            else:
                standing[lg.path] = Standing.EXPLORATORY
    judged = tuple(lg for lg in logs if standing[lg.path].judged)
    others = tuple(lg for lg in logs if not standing[lg.path].judged)
    return LogSelection(judged=judged, others=others, standing=standing, carrier=carrier, claims=claims, basis=basis)


def _closest(logs: list[ParsedLog], value: float) -> list[ParsedLog]:
    """The logs whose final score is nearest the claim: an original and its rerun may both be
    within a claim's printed precision, and the one that printed the claimed digits carries it."""
    if not logs:
        return []
    best = min(abs(lg.final.val_bpb - value) for lg in logs if lg.final is not None)
    return [lg for lg in logs if lg.final is not None and abs(lg.final.val_bpb - value) <= best + 1e-12]


def _seed_claims(meta: SubmissionMeta | None) -> dict[int, float]:
    if meta is None:
        return {}
    return {seed: c.val_bpb.value for seed, c in meta.seed_results.items() if c.val_bpb is not None}


def _select_by_seed(own: list[ParsedLog], claims: dict[int, float], floor: float, standing: dict[str, Standing]) -> str:
    matched = 0
    for seed, value in sorted(claims.items()):
        tol = printed_tolerance(value, floor)
        candidates = [lg for lg in own if _seed(lg) in (seed, None)]
        backing = _closest([lg for lg in candidates if _final_matches(lg, value, tol)], value)
        backing = backing or [lg for lg in candidates if _any_line_matches(lg, value, tol)]
        if backing:
            matched += 1
            for lg in backing:
                standing[lg.path] = Standing.CLAIMED
            if not any(lg.trains for lg in backing):
                for lg in own:
                    if _seed(lg) == seed and lg.trains and lg.path not in standing:
                        standing[lg.path] = Standing.COMPANION
        else:
            for lg in own:
                if _seed(lg) == seed and lg.path not in standing:
                    standing[lg.path] = Standing.SEED
    return f"{matched} of {len(claims)} claimed seed(s) matched to their logs by score"


def _select_by_headline(
    own: list[ParsedLog], headline: Claimed[float], floor: float, standing: dict[str, Standing]
) -> str:
    scored = [lg for lg in own if lg.final is not None]
    if len({_seed(lg) for lg in scored}) > 1:
        return "the headline is over several seeds and no per-seed claims exist"
    tol = printed_tolerance(headline.value, floor)
    backing = _closest([lg for lg in scored if _final_matches(lg, headline.value, tol)], headline.value)
    for lg in backing:
        standing[lg.path] = Standing.CLAIMED
    if backing:
        names = ", ".join(PurePosixPath(lg.path).name for lg in backing)
        return f"the headline val_bpb {headline.value} is the final score of {names}"
    return "the headline matches no log's final score"
