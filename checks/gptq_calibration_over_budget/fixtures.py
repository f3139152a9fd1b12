from checks.fixture_kit import Fixture, old_log, standard_files
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

FIXTURES = [
    Fixture("2026-04-29_reserve_8s", Status.PASS, standard_files(), "592.045 + 3.8 s (#1868 re-run)"),
    Fixture("2026-04-29_pr1934", Status.FAIL, _1934, "#1934 seed 42: 598.905 + 3.7 = 602.6 s"),
    Fixture(
        "2026-04-29_pr1934_leaderboard",
        Status.WARN,
        _1934,
        "practice warned, #1855 merged at 604.3 s",
        policy="leaderboard",
    ),
    Fixture(
        "2026-03-25_after_cap_no_reserve",
        Status.FAIL,
        _no_reserve,
        "#535 pattern: calibration after 600,014 ms",
    ),
]
