from checks.fixture_kit import Fixture, standard_files
from pgolf.findings import Status

_cand = standard_files({42: 1.0550, 314: 1.0556, 1234: 1.0561})

FIXTURES = [
    Fixture(
        "2026-05-01_clear_gain",
        Status.PASS,
        _cand,
        "0.006 bpb (~0.013 nats) better than a tight baseline",
        baseline=(1.0612, 1.0615, 1.0619),
    ),
    Fixture(
        "2026-05-01_tiny_gain_readme",
        Status.FAIL,
        _cand,
        "0.0002 bpb is below 0.005 nats",
        baseline=(1.0553, 1.0558, 1.0562),
    ),
    Fixture(
        "2026-05-01_p_0_2_leaderboard",
        Status.PASS,
        standard_files({42: 1.0596, 314: 1.0601, 1234: 1.0606}),
        "p ~ 0.2 passes the p<0.25 practice",
        policy="leaderboard",
        baseline=(1.0598, 1.0609, 1.0616),
    ),
    Fixture(
        "2026-05-01_p_0_2_readme",
        Status.FAIL,
        standard_files({42: 1.0596, 314: 1.0601, 1234: 1.0606}),
        "the same p ~ 0.17 fails p<0.01",
        baseline=(1.0598, 1.0609, 1.0616),
    ),
    Fixture("2026-05-01_no_baseline", Status.SKIP, _cand, "no baseline given"),
]
