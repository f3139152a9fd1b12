"""Every check x every fixture: write the folder, run that one check, compare with the expectation."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from checks import ALL_CHECKS
from checks.fixture_kit import Fixture
from pgolf.catalogue import CheckContext, run_check
from pgolf.findings import Status
from pgolf.folder import load_folder
from pgolf.ruleset import load_ruleset
from pgolf.stats import Baseline, SeedScore


def _cases() -> list[tuple[str, Fixture]]:
    cases = []
    for code, check in ALL_CHECKS.items():
        module = importlib.import_module(check.__module__.rsplit(".", 1)[0] + ".fixtures")
        cases += [(code, f) for f in module.FIXTURES]
    return cases


CASES = _cases()


@pytest.mark.parametrize(("code", "fixture"), CASES, ids=[f"{c}-{f.name}" for c, f in CASES])
def test_fixture(code: str, fixture: Fixture, tmp_path: Path) -> None:
    folder = fixture.write(tmp_path)
    baseline = None
    if fixture.baseline is not None:
        baseline = Baseline(
            label="fixture baseline", scores=tuple(SeedScore(seed=None, val_bpb=v) for v in fixture.baseline)
        )
    ctx = CheckContext(
        folder=load_folder(folder), ruleset=load_ruleset(), policy_name=fixture.policy, baseline=baseline
    )
    result = run_check(ALL_CHECKS[code](), ctx)
    assert result.status is not Status.ERROR, result.evidence[0].note if result.evidence else result.message
    assert result.status is fixture.expect, f"{fixture.why}: got {result.status.value}: {result.message}"
    if result.status in (Status.FAIL, Status.WARN):
        assert result.evidence, "a finding without evidence"
        assert all(e.location.path or e.location.json_pointer is not None for e in result.evidence[:1]) or code in {
            "PG101"
        }, "evidence cites a file or a pointer"
