from checks.fixture_kit import Fixture, standard_files, submission_json
from pgolf.findings import Status

_seeds = {42: 1.06083288, 314: 1.06090748, 1234: 1.06248776}
_full = standard_files(_seeds)

FIXTURES = [
    Fixture("2026-04-29_consistent", Status.PASS, _full, "claims equal the final lines"),
    Fixture(
        "2026-04-29_claim_nowhere",
        Status.FAIL,
        {**_full, "submission.json": submission_json({**_seeds, 1234: 1.0430})},
        "#2118 pattern: claims 1.0430, logs 1.0625",
    ),
    Fixture(
        "2026-04-29_claim_nowhere_leaderboard",
        Status.WARN,
        {**_full, "submission.json": submission_json({**_seeds, 1234: 1.0430})},
        "practice reports a claim that differs from the logs (D7c)",
        policy="leaderboard",
    ),
    Fixture(
        "2026-04-29_claim_worse_than_logs",
        Status.WARN,
        {**_full, "submission.json": submission_json({**_seeds, 1234: 1.0700})},
        "a claim worse than its log is a mismatch to report, not an inflated claim",
    ),
    Fixture(
        "2026-04-29_missing_seed_log",
        Status.FAIL,
        {k: v for k, v in _full.items() if k != "train_seed1234.log"},
        "a claimed seed with no log",
    ),
    Fixture(
        "2026-04-29_headline_rounded_off",
        Status.WARN,
        {**_full, "submission.json": submission_json(_seeds, val_bpb=1.06151)},
        "headline 1.06151 vs logged mean 1.06140941: beyond its printed rounding, within 1e-3",
    ),
]
