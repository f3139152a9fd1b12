from checks.fixture_kit import Fixture, standard_files
from pgolf.findings import Status

FIXTURES = [
    Fixture("2026-04-29_clean", Status.PASS, standard_files(), "plain files only"),
    Fixture(
        "2026-04-29_symlink_out",
        Status.FAIL,
        standard_files(),
        "a log symlinked to /etc/passwd",
        symlinks={"train_seed7.log": "/etc/passwd"},
    ),
    Fixture(
        "2026-04-29_binary_log",
        Status.WARN,
        {**standard_files(), "train_seed9.log": b"\x00\x01\x02junk" * 100},
        "binary junk named .log",
    ),
]
