"""The verdict as a pure function: the stated test, the finish of each seed, and the precedence of states."""

from __future__ import annotations

import math
import statistics
from typing import Any

import pytest

from pgolf.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATIONS
from pgolf.report.verdict import admit, decide, tolerance_test
from pgolf.ruleset import ReproductionRules, load_ruleset
from pgolf.runner.model import ProcessOutcome, SeedRecord, SeedStatus, StopReason, TrainingProgress

from .report_kit import CLAIMS, seed_record

RULES = ReproductionRules(tolerance_sigmas=2.0, min_seed_std_bpb=3e-4)
FINISHED_ON_CAP = TrainingProgress(steps_reached=4921, steps_planned=20000, stop_reason=StopReason.WALLCLOCK_CAP)
ALL_STEPS = TrainingProgress(steps_reached=60, steps_planned=60, stop_reason=StopReason.ITERATIONS)


def _records(scores: dict[int, float | None]) -> dict[int, SeedRecord]:
    return {s: seed_record(s, v, f"seed-{s}/output.log") for s, v in scores.items()}


def test_the_ruleset_states_the_tolerance() -> None:
    rules = load_ruleset().reproduction
    assert rules.tolerance_sigmas == 2.0 and rules.min_seed_std_bpb == 3e-4


def test_the_z_test_uses_the_claimed_spread_and_both_sample_sizes() -> None:
    claimed = list(CLAIMS.values())
    reproduced = [v + 0.0005 for v in claimed]
    test = tolerance_test(claimed, reproduced, RULES)
    sigma = statistics.stdev(claimed)
    assert test.sigma_source == "claimed" and test.sigma == pytest.approx(sigma)
    assert test.standard_error == pytest.approx(sigma * math.sqrt(2 / 3))
    assert test.z == pytest.approx(0.0005 / test.standard_error)
    assert test.tolerance_bpb == pytest.approx(2.0 * test.standard_error) and test.within
    assert "≤ 2 × SE" in test.statement and f"{test.tolerance_bpb:.5f}" in test.statement


def test_the_floor_replaces_a_spread_too_small_to_trust_and_a_single_seed() -> None:
    close = tolerance_test([1.0600, 1.06001, 1.06002], [1.0600], RULES)
    assert close.sigma_source == "floor" and close.sigma == 3e-4
    single = tolerance_test([1.06], [1.0606, 1.0607], RULES)
    assert single.claimed_std is None and single.sigma == 3e-4
    assert single.standard_error == pytest.approx(3e-4 * math.sqrt(1 + 1 / 2))


def test_a_better_reproduction_outside_the_tolerance_is_not_reproduced_either() -> None:
    test = tolerance_test(list(CLAIMS.values()), [v - 0.01 for v in CLAIMS.values()], RULES)
    assert not test.within and test.z < -2


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ({"status": SeedStatus.TIMED_OUT}, "timed out at the 2400 s deadline"),
        ({"status": SeedStatus.FAILED, "exit_code": 1}, "failed with exit code 1"),
        ({"status": SeedStatus.KILLED, "process": ProcessOutcome(exit_code=None, signal=9)}, "killed by signal 9"),
        ({"score_bpb": None}, "printed no final score"),
        ({"score_admissible": False}, "the runner marked its score inadmissible"),
        ({"violations": ["score-inadmissible"]}, "score inadmissible (score-inadmissible)"),
        ({"progress": None, "parsed_log": None}, "its log was not parsed"),
        ({"progress": TrainingProgress(steps_reached=10, steps_planned=60)}, "reported no training stop"),
    ],
)
def test_a_seed_that_did_not_finish_is_not_counted(update: dict[str, Any], expected: str) -> None:
    record = seed_record(42, 1.0608, "seed-42/output.log", **update)
    admission = admit(42, record, record.progress, None)
    assert not admission.counted and admission.outcome == "unfinished"
    assert admission.reason is not None and expected in admission.reason


def test_the_wallclock_cap_finishes_a_time_bounded_plan_but_not_an_iteration_bounded_one() -> None:
    record = seed_record(42, 1.0608, "seed-42/output.log")
    cap = TrainingProgress(steps_reached=10, steps_planned=60, stop_reason=StopReason.WALLCLOCK_CAP)
    assert admit(42, record, FINISHED_ON_CAP, FINISHED_ON_CAP).counted  # the submission stopped on its cap too
    assert admit(42, record, FINISHED_ON_CAP, None).counted  # no log of the submission to compare with
    short = admit(42, record, cap, ALL_STEPS)
    assert not short.counted and short.reason == (
        "seed 42 was stopped by its wallclock cap at step 10 of 60; the submission's own run reached all 60 steps"
    )


def test_states_and_exit_codes() -> None:
    seeds = list(CLAIMS)
    same = decide(seeds, _records(dict(CLAIMS)), CLAIMS, {}, RULES)
    assert (same.state, same.headline, same.exit_code) == ("reproduced", "REPRODUCED", EXIT_OK)
    assert same.test is not None and same.test.within and same.reason.startswith("reproduced mean 1.06141")
    worse = decide(seeds, _records({s: v + 0.01 for s, v in CLAIMS.items()}), CLAIMS, {}, RULES)
    assert (worse.state, worse.headline, worse.exit_code) == ("not_reproduced", "NOT REPRODUCED", EXIT_VIOLATIONS)
    assert "0.01000 bpb worse than the claimed" in worse.reason
    missing = decide(seeds, _records({42: CLAIMS[42], 314: CLAIMS[314]}), CLAIMS, {}, RULES)
    assert (missing.state, missing.headline, missing.exit_code) == ("incomplete", "INCOMPLETE", EXIT_INCOMPLETE)
    assert missing.reason == "seed 1234 has no record" and missing.test is None
    nothing = decide(seeds, _records(dict(CLAIMS)), {}, {}, RULES)
    assert nothing.state == "incomplete" and "claims no per-seed val_bpb" in nothing.reason
    smoke = decide(seeds, _records({s: v + 2.27 for s, v in CLAIMS.items()}), CLAIMS, {}, RULES, profile="smoke")
    assert (smoke.state, smoke.exit_code) == ("incomplete", EXIT_INCOMPLETE) and smoke.test is None
    assert (
        smoke.reason == "the smoke profile runs a reduced version of the submission: its scores cannot test the claim"
    )


def test_a_broken_limit_decides_before_an_unfinished_seed() -> None:
    records = _records(dict(CLAIMS))
    records[42] = records[42].model_copy(update={"violations": ["artifact-too-large"]})
    records[314] = records[314].model_copy(update={"status": SeedStatus.TIMED_OUT})
    verdict = decide(list(CLAIMS), records, CLAIMS, {}, RULES)
    assert verdict.state == "not_reproduced" and verdict.exit_code == EXIT_VIOLATIONS
    assert verdict.reason == "seed 42: artifact 15,951,777 B over the 16,000,000 B cap"


def test_several_reasons_are_one_line_with_a_count() -> None:
    records = _records(dict.fromkeys(CLAIMS))
    verdict = decide(list(CLAIMS), records, CLAIMS, {}, RULES)
    assert verdict.reason == "seed 42 failed with exit code 1 (and 2 more)" and len(verdict.reasons) == 3
