from checks.fixture_kit import Fixture, standard_files
from pgolf.findings import Status

FIXTURES = [
    Fixture("2026-04-29_three", Status.PASS, standard_files(), "three seeds logged"),
    Fixture(
        "2026-04-29_one",
        Status.WARN,
        standard_files({42: 1.0608}),
        "one seed on the record track and no baseline: significance cannot be shown from the folder",
    ),
    Fixture(
        "2026-04-29_one_vs_baseline",
        Status.FAIL,
        standard_files({42: 1.0608}),
        "one seed against a supplied baseline: the significance test cannot be run",
        baseline=(1.0611, 1.0613, 1.0620),
    ),
    Fixture(
        "2026-04-29_one_nonrecord",
        Status.PASS,
        standard_files({42: 1.0608}),
        "one seed is enough off-record",
        track="track_non_record_16mb",
    ),
]
