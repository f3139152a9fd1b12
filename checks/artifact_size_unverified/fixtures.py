from checks.fixture_kit import CLEAN_SCRIPT, Fixture, standard_files
from pgolf.findings import Status

_big_script = CLEAN_SCRIPT + "# padding\n" * 8_000  # ~88 KB of shipped code

FIXTURES = [
    Fixture("2026-04-29_fits", Status.PASS, standard_files(), "small script + 15.92 MB model"),
    Fixture(
        "2026-04-29_estimate_only",
        Status.WARN,
        {
            **standard_files(log_kwargs={"model_bytes": 15_960_000, "total_bytes": 15_991_385}),
            "train_gpt.py": _big_script,
        },
        "fits only with the estimated (minified) code size",
    ),
    Fixture(
        "2026-04-29_shipped_blob_over",
        Status.FAIL,
        {**standard_files(), "final_model.int6.ptz": b"\x00" * 16_000_001},
        "a shipped model file alone exceeds the cap",
    ),
]
