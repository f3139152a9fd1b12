"""PG411 fixtures: a GPTQ reserve subtracted from the cap passes; training-data calibration after an
uncut 600 s loop fails under the README policy and warns under leaderboard practice (B.3)."""

from __future__ import annotations

from checks.fixture_kit import Fixture, standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.findings import Status

NO_RESERVE = fs.script(
    train=fs.TRAIN.replace(
        "1000.0 * (h.max_wallclock_seconds - h.gptq_reserve_seconds)", "1000.0 * h.max_wallclock_seconds"
    )
)
OVER = {"gptq_reserve_s": None, "train_time_ms": 600061, "hessian_s": 4.3}
WITHIN = {"gptq_reserve_s": None, "train_time_ms": 588000, "hessian_s": 4.3}

FIXTURES = [
    Fixture(
        "reserve-subtracted",
        Status.PASS,
        {**standard_files(), "train_gpt.py": fs.script()},
        "budget_ms = 1000 * (MAX_WALLCLOCK_SECONDS - GPTQ_RESERVE_SECONDS)",
    ),
    Fixture(
        "no-reserve-logs-within-budget",
        Status.PASS,
        {**standard_files(log_kwargs=WITHIN), "train_gpt.py": NO_RESERVE},
        "no reserve in code, but the logged train_time + Hessian seconds stay under 600 s",
    ),
    Fixture(
        "no-reserve-over-budget",
        Status.FAIL,
        {**standard_files(log_kwargs=OVER), "train_gpt.py": NO_RESERVE},
        "calibration on training data after a loop that uses the full 600 s",
    ),
    Fixture(
        "no-reserve-over-budget-leaderboard",
        Status.FAIL,
        {**standard_files(log_kwargs=OVER), "train_gpt.py": NO_RESERVE},
        "the same under leaderboard practice: with no reserve the Hessians read training data after the timer",
        policy="leaderboard",
    ),
    Fixture(
        "no-reserve-non-record",
        Status.SKIP,
        {**standard_files(log_kwargs=OVER), "train_gpt.py": NO_RESERVE},
        "the non-record track has no training budget to pay the Hessians from",
        track="track_non_record_16mb",
    ),
]
