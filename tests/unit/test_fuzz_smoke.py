"""The smoke version of `make fuzz` (scripts/fuzz.py): a few hostile cases of each kind, no escapes."""

from __future__ import annotations

import pytest

from scripts.fuzz import fuzz, report, warm_up


@pytest.mark.timeout(600)
def test_fuzz_smoke() -> None:
    warm_up()

    stats = fuzz(cases=24, random_seed=7)

    assert sum(stats.cases.values()) == 24
    assert set(stats.cases) == {"folder", "json", "tree"}
    assert stats.uncaught == [], report(stats, 0, 0)
    assert stats.setup_failures == [], report(stats, 0, 0)
