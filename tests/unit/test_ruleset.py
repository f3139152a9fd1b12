"""Rulesets are data: the bundled one loads, resolves track spellings, and carries both policies."""

from __future__ import annotations

import pytest

from pgolf.errors import UsageError
from pgolf.findings import POLICIES, Status
from pgolf.ruleset import available_rulesets, load_ruleset


def test_bundled_ruleset_loads_with_both_policies() -> None:
    rs = load_ruleset()
    assert rs.id == available_rulesets()[-1]
    assert set(rs.policies) == set(POLICIES)
    assert rs.policies["readme"].significance_alpha == 0.01
    assert rs.policies["leaderboard"].significance_alpha == 0.25
    assert rs.policies["readme"].gptq_no_reserve_status is Status.FAIL
    assert rs.policies["leaderboard"].gptq_no_reserve_status is Status.FAIL
    assert rs.default_track.max_artifact_bytes == 16_000_000


@pytest.mark.parametrize(
    ("spelling", "track"),
    [
        ("10min_16mb", "track_10min_16mb"),
        ("track_10min_16mb", "track_10min_16mb"),
        ("non-record-16mb", "track_non_record_16mb"),
        ("non-record-unlimited-compute-16mb", "track_non_record_16mb"),
        ("Non_Record_Something_New", "track_non_record_16mb"),
        ("unknown", None),
        (None, None),
    ],
)
def test_track_spellings(spelling: str | None, track: str | None) -> None:
    found = load_ruleset().track(spelling)
    assert (found.name if found else None) == track


def test_variant_for_tokens() -> None:
    data = load_ruleset().data
    assert (v := data.variant_for_tokens(47_851_520)) is not None and v.name == "sp8192_caseops"
    assert (v := data.variant_for_tokens(62_021_632)) is not None and v.name == "sp1024"
    assert data.variant_for_tokens(123) is None


def test_unknown_ruleset_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown ruleset"):
        load_ruleset("1999-01-01")
