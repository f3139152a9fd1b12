"""The reproduction verdict: REPRODUCED, NOT REPRODUCED or INCOMPLETE, with its reason and exit code.

A pure function of the seed records, the claims, the submission's own per-seed runs and the
ruleset's [reproduction] numbers (no file, no clock), so `pgolf verify-bundle` can recompute it.

1. A seed counts only when it finished its planned run: exit 0, a final score, no runner
   violation, and a stop its log reports (its iterations reached, or its own wallclock cap where
   the submission's own run of that seed stopped on the cap too). A failed seed never contributes
   a score to the reproduced mean.
2. NOT REPRODUCED when a seed broke a limit (artifact over the cap): no re-run can change that.
3. Otherwise INCOMPLETE when a planned seed did not finish, or when nothing was claimed.
4. Otherwise the stated test: z = (mean_r - mean_c) / (s * sqrt(1/n_c + 1/n_r)), two-sided, with s
   the claimed per-seed sample std floored at the ruleset's min_seed_std_bpb; REPRODUCED when
   |z| <= tolerance_sigmas, else NOT REPRODUCED.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence

from pgolf.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATIONS
from pgolf.report.model import HEADLINES, SeedAdmission, ToleranceTest, Verdict, VerdictState
from pgolf.ruleset import ReproductionRules
from pgolf.runner.model import SeedRecord, SeedStatus, StopReason, TrainingProgress

EXIT_CODES: dict[VerdictState, int] = {
    "reproduced": EXIT_OK,
    "not_reproduced": EXIT_VIOLATIONS,
    "incomplete": EXIT_INCOMPLETE,
}
# Runner violations that are a broken limit of the submission (final) rather than a run that did
# not finish (worth running again). Any other violation makes the seed's score inadmissible.
LIMIT_VIOLATIONS = frozenset({"artifact-too-large"})
# Violations whose cause the status already states (timed out, failed, no score).
_RESTATED = frozenset({"deadline-exceeded", "no-score"})


def rule_text(rules: ReproductionRules) -> str:
    return (
        f"two-sided z-test of the mean val_bpb difference; sigma = claimed per-seed std "
        f"(at least {rules.min_seed_std_bpb:g} bpb); reproduced when |z| ≤ {rules.tolerance_sigmas:g}"
    )


def _status_reason(seed: int, record: SeedRecord) -> str | None:
    outcome = record.process
    if record.status is SeedStatus.TIMED_OUT:
        return f"seed {seed} timed out at the {record.deadline_s:.0f} s deadline"
    if record.status is SeedStatus.KILLED:
        return f"seed {seed} was killed by signal {outcome.signal} (not sent by pgolf)"
    if record.status is SeedStatus.FAILED:
        if outcome.setup_failed:
            return f"seed {seed}: a setup step failed"
        return f"seed {seed} failed with exit code {record.exit_code}"
    return None


def _steps(progress: TrainingProgress) -> str:
    reached = "?" if progress.steps_reached is None else f"{progress.steps_reached:,}"
    planned = "?" if progress.steps_planned is None else f"{progress.steps_planned:,}"
    return f"step {reached} of {planned}"


def _progress_reason(seed: int, progress: TrainingProgress | None, claimed: TrainingProgress | None) -> str | None:
    if progress is None:
        return f"seed {seed}: its log was not parsed, so steps and stop are unknown"
    if progress.stop_reason is StopReason.NOT_REPORTED:
        return f"seed {seed} reported no training stop (last seen at {_steps(progress)})"
    if (
        progress.stop_reason is StopReason.WALLCLOCK_CAP
        and claimed is not None
        and claimed.stop_reason is StopReason.ITERATIONS
    ):
        return (
            f"seed {seed} was stopped by its wallclock cap at {_steps(progress)}; the submission's own run "
            f"reached all {claimed.steps_planned or claimed.steps_reached or '?'} steps"
        )
    return None


def admit(
    seed: int, record: SeedRecord | None, progress: TrainingProgress | None, claimed: TrainingProgress | None
) -> SeedAdmission:
    """Whether one seed finished its planned run (and so whether its score counts)."""
    if record is None:
        return SeedAdmission(seed=seed, counted=False, outcome="unfinished", reason=f"seed {seed} has no record")
    broken = sorted(set(record.violations) & LIMIT_VIOLATIONS)
    if broken:
        a = record.artifacts
        counted = a.practiced_bytes if a.practiced_bytes is not None else a.total_bytes
        over_cap = f"artifact {counted:,} B over the {a.cap_bytes:,} B cap"
        detail = over_cap if broken == ["artifact-too-large"] else ", ".join(broken)
        return SeedAdmission(seed=seed, counted=False, outcome="limit_broken", reason=f"seed {seed}: {detail}")
    other = [v for v in record.violations if v not in LIMIT_VIOLATIONS and v not in _RESTATED]
    reason = (
        _status_reason(seed, record)
        or (f"seed {seed} printed no final score" if record.score_bpb is None else None)
        or (f"seed {seed}: the runner marked its score inadmissible" if record.admissible_score is None else None)
        or (f"seed {seed}: score inadmissible ({', '.join(other)})" if other else None)
        or _progress_reason(seed, progress, claimed)
    )
    if reason is not None:
        return SeedAdmission(seed=seed, counted=False, outcome="unfinished", reason=reason)
    return SeedAdmission(seed=seed, counted=True, outcome="finished")


def tolerance_test(claimed: Sequence[float], reproduced: Sequence[float], rules: ReproductionRules) -> ToleranceTest:
    if not claimed or not reproduced:
        raise ValueError("the test needs at least one claimed and one reproduced score")
    c_mean, r_mean = statistics.fmean(claimed), statistics.fmean(reproduced)
    c_std = statistics.stdev(claimed) if len(claimed) >= 2 else None
    floor = rules.min_seed_std_bpb
    sigma = max(c_std or 0.0, floor)
    se = sigma * math.sqrt(1 / len(claimed) + 1 / len(reproduced))
    diff = r_mean - c_mean
    z = diff / se
    tolerance = rules.tolerance_sigmas * se
    within = abs(z) <= rules.tolerance_sigmas
    source = "claimed" if c_std is not None and c_std >= floor else "floor"
    sigma_text = (
        f"claimed per-seed std {sigma:.5f}"
        if source == "claimed"
        else f"the {floor:g} bpb floor (claimed std {'n/a' if c_std is None else f'{c_std:.5f}'})"
    )
    statement = (
        f"|reproduced mean - claimed mean| = |{r_mean:.5f} - {c_mean:.5f}| = {abs(diff):.5f} bpb "
        f"{'≤' if within else '>'} {rules.tolerance_sigmas:g} × SE = {tolerance:.5f} bpb "
        f"(SE = σ·√(1/{len(claimed)} + 1/{len(reproduced)}), σ = {sigma_text}; z = {z:+.2f})"
    )
    return ToleranceTest(
        claimed_mean=c_mean,
        claimed_std=c_std,
        sigma=sigma,
        sigma_floor=floor,
        sigma_source=source,
        n_claimed=len(claimed),
        reproduced_mean=r_mean,
        n_reproduced=len(reproduced),
        diff=diff,
        standard_error=se,
        z=z,
        tolerance_sigmas=rules.tolerance_sigmas,
        tolerance_bpb=tolerance,
        within=within,
        statement=statement,
    )


def _one_line(reasons: list[str]) -> str:
    more = len(reasons) - 1
    return reasons[0] + (f" (and {more} more)" if more > 0 else "")


def _verdict(
    state: VerdictState,
    reasons: list[str],
    rules: ReproductionRules,
    admissions: list[SeedAdmission],
    test: ToleranceTest | None = None,
) -> Verdict:
    return Verdict(
        state=state,
        headline=HEADLINES[state],
        reason=_one_line(reasons),
        reasons=reasons,
        exit_code=EXIT_CODES[state],
        test=test,
        seeds=admissions,
        rule=rule_text(rules),
    )


def _score_reason(test: ToleranceTest) -> str:
    if test.within:
        return (
            f"reproduced mean {test.reproduced_mean:.5f} is within {test.tolerance_sigmas:g} SE of the claimed "
            f"{test.claimed_mean:.5f} ({test.diff:+.5f} bpb, z = {test.z:+.2f}, tolerance ±{test.tolerance_bpb:.5f})"
        )
    side = "worse" if test.diff > 0 else "better"
    return (
        f"reproduced mean {test.reproduced_mean:.5f} is {abs(test.diff):.5f} bpb {side} than the claimed "
        f"{test.claimed_mean:.5f} (z = {test.z:+.2f}; tolerance ±{test.tolerance_bpb:.5f} = "
        f"{test.tolerance_sigmas:g} SE)"
    )


def decide(
    seeds: Sequence[int],
    records: Mapping[int, SeedRecord],
    claimed_bpb: Mapping[int, float],
    claimed_runs: Mapping[int, TrainingProgress],
    rules: ReproductionRules,
    progress: Mapping[int, TrainingProgress | None] | None = None,
    profile: str = "official",
) -> Verdict:
    """The verdict over the planned seeds. `progress` overrides the records' own (older records lack it);
    a profile other than `official` (smoke: fewer seconds, a narrower model, one GPU) runs another
    experiment than the claim's, so its scores cannot test the claim."""
    admissions = []
    for seed in sorted(seeds):
        record = records.get(seed)
        seen = (progress or {}).get(seed, record.progress if record is not None else None)
        admissions.append(admit(seed, record, seen, claimed_runs.get(seed)))
    broken = [a.reason for a in admissions if a.outcome == "limit_broken" and a.reason]
    if broken:
        return _verdict("not_reproduced", broken, rules, admissions)
    unfinished = [a.reason for a in admissions if a.outcome == "unfinished" and a.reason]
    if unfinished:
        return _verdict("incomplete", unfinished, rules, admissions)
    if profile != "official":
        reason = f"the {profile} profile runs a reduced version of the submission: its scores cannot test the claim"
        return _verdict("incomplete", [reason], rules, admissions)
    if not claimed_bpb:
        return _verdict("incomplete", ["the submission claims no per-seed val_bpb to compare with"], rules, admissions)
    scores = [records[a.seed].admissible_score for a in admissions if a.counted]
    test = tolerance_test(list(claimed_bpb.values()), [s for s in scores if s is not None], rules)
    state: VerdictState = "reproduced" if test.within else "not_reproduced"
    return _verdict(state, [_score_reason(test)], rules, admissions, test)
