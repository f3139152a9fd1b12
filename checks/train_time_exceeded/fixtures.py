from checks.fixture_kit import Fixture, modern_log, old_log, standard_files
from pgolf.findings import Status

_OVER_WITHOUT_RESERVE = {"train_time_ms": 601361, "gptq_reserve_s": None}

FIXTURES = [
    Fixture("2026-04-29_reserved", Status.PASS, standard_files(), "592,045 ms with an 8 s reserve"),
    Fixture(
        "2026-03-23_one_step_over_readme",
        Status.PASS,
        standard_files({1337: 1.1192}, log=old_log, log_kwargs={"train_time_ms": 600128}),
        "#549: 600,128 ms at 83.59 ms/step: within two steps, the cap being checked after a step",
    ),
    Fixture(
        "2026-03-23_far_over_readme",
        Status.FAIL,
        standard_files({1337: 1.1192}, log=old_log, log_kwargs={"train_time_ms": 600500}),
        "500 ms past the cap at 83.59 ms/step: beyond two steps",
    ),
    Fixture(
        "2026-04-28_force_stop_step",
        Status.FAIL,
        standard_files(per_seed={42: _OVER_WITHOUT_RESERVE}),
        "#1908 seed 42: 601,361 ms",
        policy="leaderboard",
    ),
    Fixture(
        "2026-04-28_forced_stop_in_dump",
        Status.FAIL,
        standard_files(log_kwargs={"extra_hparams": {"force_stop_step": 4945}}),
        "a forced stop step in the hyperparameters fails even within the cap",
        policy="leaderboard",
    ),
    Fixture(
        "2026-03-17_cap_2400",
        Status.FAIL,
        standard_files({1337: 1.1935}, log=old_log, log_kwargs={"max_wallclock": 2400.0, "train_time_ms": 2400107}),
        "a run launched with a 2,400 s cap",
        policy="leaderboard",
    ),
    Fixture(
        "2026-03-17_exploratory_2400",
        Status.WARN,
        {
            **standard_files(),
            "explore_long.log": modern_log(42, val_bpb=1.1, max_wallclock=2400.0, train_time_ms=2400107),
        },
        "a 2,400 s exploratory log whose score no claim carries: reported, not judged",
        policy="leaderboard",
    ),
    Fixture(
        "2026-04-29_rerun_in_budget",
        Status.PASS,
        {
            **standard_files(per_seed={42: _OVER_WITHOUT_RESERVE}),
            "train_seed42_rerun.log": modern_log(42, val_bpb=1.06090000),
        },
        "seed 42's claimed run is 1.4 s over, a named rerun of seed 42 is in budget within noise of the claim",
    ),
]
