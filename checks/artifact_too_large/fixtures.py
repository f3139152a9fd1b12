from checks.fixture_kit import Fixture, old_log, standard_files
from pgolf.findings import Status

FIXTURES = [
    Fixture("2026-04-29_under", Status.PASS, standard_files(), "15,951,777 bytes"),
    Fixture(
        "2026-04-28_over_one_seed",
        Status.FAIL,
        standard_files(per_seed={1234: {"total_bytes": 16_071_321}}),
        "#1835: one seed logged 16,071,321 bytes",
    ),
    Fixture(
        "2026-03-22_old_format_over",
        Status.FAIL,
        standard_files({1337: 1.12278}, log=old_log, log_kwargs={"total_bytes": 16_186_500}),
        "int6+lzma era total over the cap",
    ),
]
