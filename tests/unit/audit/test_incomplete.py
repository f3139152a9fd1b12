"""A budget that runs out is said, never passed silently: the affected checks WARN "analysis incomplete"."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from checks import ALL_CHECKS
from checks.fixture_kit import standard_files
from pgolf.audit import fixture_scripts as fs
from pgolf.audit import solve
from pgolf.catalogue import CheckContext, run_check
from pgolf.findings import Status
from pgolf.folder import load_folder
from pgolf.ruleset import load_ruleset

Make = Callable[[Mapping[str, str | bytes]], Path]


def test_an_exhausted_fixpoint_warns_instead_of_passing(make_folder: Make, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_folder({**standard_files(), "train_gpt.py": fs.script()})
    clean = CheckContext(folder=load_folder(folder), ruleset=load_ruleset())
    assert run_check(ALL_CHECKS["PG412"](), clean).status is Status.PASS

    monkeypatch.setattr(solve, "_BUDGET_PER_FUNC", 0)
    ctx = CheckContext(folder=load_folder(folder), ruleset=load_ruleset())
    assert ctx.analysis is not None and ctx.analysis.incomplete
    for code in ("PG401", "PG402", "PG405", "PG412"):
        result = run_check(ALL_CHECKS[code](), ctx)
        assert result.status is Status.WARN, code
        assert result.message.startswith("analysis incomplete"), result.message
