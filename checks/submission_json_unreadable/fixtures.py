from checks.fixture_kit import Fixture, standard_files, submission_json
from pgolf.findings import Status

_full = standard_files()

FIXTURES = [
    Fixture("2026-04-29_ok", Status.PASS, _full, "a well-formed submission.json"),
    Fixture(
        "2026-04-29_trailing_comma",
        Status.FAIL,
        {**_full, "submission.json": '{"author": "x", "val_bpb": 1.06,}\n'},
        "invalid JSON (trailing comma), as in 1 historical file",
    ),
    Fixture(
        "2026-04-29_no_score",
        Status.FAIL,
        {**_full, "submission.json": '{"author": "x", "github_id": "x", "name": "n"}\n'},
        "claims no score",
    ),
    Fixture(
        "2026-04-29_bom_and_string",
        Status.PASS,
        {**_full, "submission.json": "\ufeff" + submission_json(val_bpb="1.0614")},
        "BOM and a numeric string are repaired, and the repairs listed",
    ),
]
