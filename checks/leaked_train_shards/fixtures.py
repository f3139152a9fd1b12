from checks.fixture_kit import Fixture, standard_files
from pgolf.findings import Status

FIXTURES = [
    Fixture("2026-05-01_canonical", Status.PASS, standard_files(), "#2135: train_shards 80"),
    Fixture(
        "2026-04-30_pr1967",
        Status.FAIL,
        standard_files(log_kwargs={"train_shards": 1499}),
        "#1967/#2130: train_shards 1499",
    ),
    Fixture(
        "2026-04-30_doubled_path",
        Status.WARN,
        standard_files(
            log_kwargs={
                "datasets_dir": "./data/datasets/fineweb10B_sp8192_caseops/datasets/datasets/"
                "fineweb10B_sp8192_lossless_caps_caseops_v1_reserved"
            }
        ),
        "doubled path with 80 shards (#1945 pattern): a soft signal",
    ),
]
