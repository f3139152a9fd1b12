from checks.fixture_kit import Fixture, old_log, standard_files
from pgolf.findings import Status

FIXTURES = [
    Fixture("2026-04-29_reserved", Status.PASS, standard_files(), "592,045 ms with an 8 s reserve"),
    Fixture(
        "2026-03-23_one_step_over_readme",
        Status.FAIL,
        standard_files({1337: 1.1192}, log=old_log, log_kwargs={"train_time_ms": 600128}),
        "#549: 600,128 ms fails the README as written",
    ),
    Fixture(
        "2026-03-23_one_step_over_leaderboard",
        Status.PASS,
        standard_files({1337: 1.1192}, log=old_log, log_kwargs={"train_time_ms": 600128}),
        "#549: within two steps (2 x 83.59 ms) under leaderboard practice",
        policy="leaderboard",
    ),
    Fixture(
        "2026-04-28_force_stop_step",
        Status.FAIL,
        standard_files(per_seed={42: {"train_time_ms": 601361, "gptq_reserve_s": None}}),
        "#1908 seed 42: 601,361 ms",
        policy="leaderboard",
    ),
    Fixture(
        "2026-03-17_cap_2400",
        Status.FAIL,
        standard_files({1337: 1.1935}, log=old_log, log_kwargs={"max_wallclock": 2400.0, "train_time_ms": 2400107}),
        "a run launched with a 2,400 s cap",
        policy="leaderboard",
    ),
]
