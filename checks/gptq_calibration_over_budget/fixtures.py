from checks.fixture_kit import Fixture, modern_log, old_log, standard_files
from pgolf.findings import Status

_1934 = standard_files(per_seed={42: {"train_time_ms": 598905, "hessian_s": 3.7, "gptq_reserve_s": 0.5}})
_no_reserve = standard_files(
    {1337: 1.1151},
    log=old_log,
    log_kwargs={
        "train_time_ms": 600014,
        "after_stop": ["gptq:calibrating with training data...", "gptq:calibrated 68 layers in 4.3s"],
    },
)
_self_generated = standard_files(
    {1337: 1.1151},
    log=old_log,
    log_kwargs={
        "train_time_ms": 600014,
        "after_stop": [
            "gptq:generating autoregressive calibration data (64 seqs x 2048 tokens, temp=0.8)...",
            "gptq:collected hessians for 68 layers (AR self-gen)",
        ],
    },
)
_rerun = {
    **standard_files(per_seed={42: {"train_time_ms": 599623, "hessian_s": 3.5, "gptq_reserve_s": 0.5}}),
    "train_seed42_rerun_gptq8s.log": modern_log(42, val_bpb=1.06090000),
}

FIXTURES = [
    Fixture("2026-04-29_reserve_8s", Status.PASS, standard_files(), "592.045 + 3.8 s (#1868 re-run)"),
    Fixture(
        "2026-04-29_pr1934",
        Status.WARN,
        _1934,
        "#1934 seed 42: 598.905 + 3.7 = 602.6 s with a 0.5 s reserve: the README never mentions quantization",
    ),
    Fixture(
        "2026-04-29_pr1934_leaderboard",
        Status.PASS,
        _1934,
        "reserve taken, 2.6 s over: accepted runs went to ~6.6 s (#1855 merged at 604.3 s)",
        policy="leaderboard",
    ),
    Fixture("2026-03-25_after_cap_no_reserve", Status.FAIL, _no_reserve, "#535 pattern: calibration after 600,014 ms"),
    Fixture(
        "2026-03-25_after_cap_no_reserve_leaderboard",
        Status.FAIL,
        _no_reserve,
        "training-data reads after the timer, no reserve: FAIL in practice too",
        policy="leaderboard",
    ),
    Fixture(
        "2026-03-25_self_generated",
        Status.PASS,
        _self_generated,
        "#1019 pattern: self-generated calibration after the cap reads no training data",
    ),
    Fixture(
        "2026-04-29_rerun_with_reserve",
        Status.PASS,
        _rerun,
        "seed 42 ran 599.6 + 3.5 s; its named rerun with an 8 s reserve fits and scores within noise",
    ),
]
