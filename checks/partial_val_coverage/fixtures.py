from checks.fixture_kit import Fixture, standard_files
from pgolf.findings import Status

FIXTURES = [
    Fixture("2026-05-01_full", Status.PASS, standard_files(), "47,851,520 CaseOps tokens, 50,000 docs"),
    Fixture(
        "2026-04-20_10k_docs",
        Status.FAIL,
        standard_files(log_kwargs={"val_tokens": 9_662_464}),
        "--val-docs 10000 subset",
    ),
    Fixture(
        "2026-04-20_total_docs",
        Status.FAIL,
        standard_files(log_kwargs={"total_docs": 10_000}),
        "phased TTT over 10,000 documents",
    ),
    Fixture(
        "2026-04-20_ppm_subset",
        Status.FAIL,
        standard_files(log_kwargs={"extra_hparams": {"ppm_subset_tokens": 5000000}}),
        "#1854 PPM_SUBSET_TOKENS",
    ),
    Fixture(
        "2026-04-30_variant_count",
        Status.WARN,
        standard_files(log_kwargs={"val_tokens": 47_000_000}),
        "an unknown count: a warning (B.6)",
    ),
]
