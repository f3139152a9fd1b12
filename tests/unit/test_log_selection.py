"""Which logs back the claim (pgolf.logs.selection): the logs the log rules judge."""

from __future__ import annotations

from checks.fixture_kit import modern_log
from pgolf.logs.collect import assign_rerun_roles
from pgolf.logs.model import ParsedLog
from pgolf.logs.parser import parse_log
from pgolf.logs.selection import Standing, select_claim_logs
from pgolf.meta.model import Claimed, SeedClaim, SubmissionMeta

TOL = 6e-5


def _logs(named: dict[str, str]) -> list[ParsedLog]:
    logs = [parse_log(text, path) for path, text in named.items()]
    assign_rerun_roles(logs)
    return logs


def _meta(claims: dict[int, float] | None = None, headline: float | None = None) -> SubmissionMeta:
    seeds = {
        s: SeedClaim(
            seed=s, pointer=f"/seed_results/{s}", val_bpb=Claimed(value=v, pointer=f"/seed_results/{s}/val_bpb")
        )
        for s, v in (claims or {}).items()
    }
    head: Claimed[float] | None = Claimed(value=headline, pointer="/val_bpb") if headline is not None else None
    return SubmissionMeta(path="submission.json", seed_results=seeds, val_bpb=head)


def _standing(logs: list[ParsedLog], meta: SubmissionMeta | None) -> dict[str, Standing]:
    return dict(select_claim_logs(logs, meta, TOL).standing)


def test_superseded_first_attempts_and_exploratory_runs_are_not_judged() -> None:
    logs = _logs(
        {
            "train_seed1_first_attempt.log": modern_log(1, val_bpb=1.04),
            "train_seed1_fixed.log": modern_log(1, val_bpb=1.05),
            "train_seed2.log": modern_log(2, val_bpb=1.05),
            "explore_2gpu.log": modern_log(7, val_bpb=1.2, world_size=2),
        }
    )
    sel = select_claim_logs(logs, _meta({1: 1.05, 2: 1.05}), TOL)
    assert [lg.path for lg in sel.judged] == ["train_seed1_fixed.log", "train_seed2.log"]
    assert sel.standing["train_seed1_first_attempt.log"] is Standing.SUPERSEDED
    assert sel.standing["explore_2gpu.log"] is Standing.EXPLORATORY
    first = next(lg for lg in logs if lg.path == "train_seed1_first_attempt.log")
    assert "claim is carried by train_seed1_fixed.log" in sel.why_not_judged(first)


def test_no_matching_claim_falls_back_to_every_log() -> None:
    logs = _logs({"a_seed1.log": modern_log(1, val_bpb=1.1), "b_seed2.log": modern_log(2, val_bpb=1.2)})
    assert set(_standing(logs, _meta({1: 1.3, 2: 1.4})).values()) == {Standing.SEED}
    assert set(_standing(logs, None).values()) == {Standing.ALL}
    assert set(_standing(logs, _meta(headline=1.15)).values()) == {Standing.ALL}  # a mean over two seeds


def test_eval_only_claim_brings_its_training_log_and_closest_match_wins() -> None:
    eval_only = "quantized_ttt_phased val_loss:2.3 val_bpb:1.06400238 eval_time:500000ms\n"
    logs = _logs(
        {
            "train_seed42.log": modern_log(42, val_bpb=1.06443847),
            "ttt/seed_42.log": "seed: 42\n" + eval_only,
        }
    )
    standing = _standing(logs, _meta({42: 1.064}))  # 3 decimals: both within half a unit, the eval-only is closer
    assert standing == {"ttt/seed_42.log": Standing.CLAIMED, "train_seed42.log": Standing.COMPANION}


def test_headline_of_a_single_seed_selects_the_matching_run() -> None:
    logs = _logs({f"train_v{i}.txt": modern_log(1337, val_bpb=1.1921 + i * 0.0004) for i in range(3)})
    standing = _standing(logs, _meta(headline=1.1925))
    assert standing["train_v1.txt"] is Standing.CLAIMED
    assert standing["train_v0.txt"] is Standing.SUPERSEDED


def test_named_reruns_within_noise_are_offered_for_timing() -> None:
    logs = _logs(
        {
            "train_seed42.log": modern_log(42, val_bpb=1.0610),
            "train_seed42_rerun.log": modern_log(42, val_bpb=1.0612),
            "train_seed42_repro_far.log": modern_log(42, val_bpb=1.0700),
        }
    )
    sel = select_claim_logs(logs, _meta({42: 1.0610}), TOL)
    claimed = sel.judged[0]
    assert [lg.path for lg in sel.reruns_of(claimed, 1e-3)] == ["train_seed42_rerun.log"]
