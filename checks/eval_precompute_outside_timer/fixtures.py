from checks.fixture_kit import Fixture, standard_files
from pgolf.findings import Status

_inside = ["ngram_tilt:precompute_done elapsed=200.89s total_targets=47851520"]
_outside = [
    "ngram_tilt:precompute_outside_timer_done elapsed=160.59s total_targets=47851520",
    "ngram_tilt:using_precomputed_hints total_targets=47851520 (precompute time excluded from eval)",
]

FIXTURES = [
    Fixture(
        "2026-05-01_pr2135_inside",
        Status.PASS,
        standard_files(log_kwargs={"before_final": _inside}),
        "#2135: precompute inside the timer",
    ),
    Fixture(
        "2026-04-30_pr1967_outside",
        Status.FAIL,
        standard_files(log_kwargs={"before_final": _outside}),
        "#1967: precompute outside the timer",
    ),
    Fixture(
        "2026-04-30_pr1967_leaderboard",
        Status.FAIL,
        standard_files(log_kwargs={"before_final": _outside}),
        "enforced in practice too",
        policy="leaderboard",
    ),
    Fixture("2026-04-29_no_ngram", Status.SKIP, standard_files(), "no n-gram tilt at all"),
]
