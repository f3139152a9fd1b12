from checks.fixture_kit import Fixture, standard_files
from pgolf.findings import Status

FIXTURES = [
    Fixture("2026-04-29_8gpu", Status.PASS, standard_files(), "world_size 8"),
    Fixture("2026-03-25_1xgpu", Status.FAIL, standard_files(log_kwargs={"world_size": 1}), "#770 pattern: one GPU"),
    Fixture(
        "2026-03-25_a100_claim",
        Status.FAIL,
        standard_files(json_overrides={"hardware": "4xA100 80GB"}),
        "#830 pattern: claims 4xA100",
    ),
    Fixture(
        "2026-03-25_nonrecord",
        Status.SKIP,
        standard_files(log_kwargs={"world_size": 1}),
        "non-record track: any hardware",
        track="track_non_record_16mb",
    ),
]
