from checks.fixture_kit import Fixture, standard_files
from pgolf.findings import Status

_full = standard_files()

FIXTURES = [
    Fixture("2026-04-29_complete", Status.PASS, _full, "all required files present"),
    Fixture(
        "2026-04-29_no_script",
        Status.FAIL,
        {k: v for k, v in _full.items() if k != "train_gpt.py"},
        "#1416 pattern: no train_gpt.py",
    ),
    Fixture(
        "2026-04-29_no_logs",
        Status.FAIL,
        {k: v for k, v in _full.items() if not k.endswith(".log")},
        "#1278 pattern: no train logs",
    ),
    Fixture(
        "2026-04-29_ternary_json",
        Status.WARN,
        {("submission_ternary.json" if k == "submission.json" else k): v for k, v in _full.items()},
        "metadata under a non-standard name",
    ),
]
