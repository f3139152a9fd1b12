from checks.fixture_kit import Fixture, standard_files
from pgolf.findings import Status

_clean = ["ngram_tilt:hints total=47851520 gated=628130 token_gate=628130 within_gate=0 word_gate=0 agree2plus=0"]
_gated = [
    "ngram_tilt:hints total=47851520 gated=13061612 token_gate=628130 within_gate=9866847 "
    "word_gate=2891588 agree2plus=303177"
]

FIXTURES = [
    Fixture(
        "2026-05-01_pr2135_token_only",
        Status.PASS,
        standard_files(log_kwargs={"before_final": _clean}),
        "#2135 token-only counters",
    ),
    Fixture(
        "2026-04-30_pr2018_gated",
        Status.FAIL,
        standard_files(log_kwargs={"before_final": _gated}),
        "#1967/#2018 within/word gates active",
    ),
    Fixture("2026-04-29_no_tilt", Status.SKIP, standard_files(), "no n-gram tilt"),
]
