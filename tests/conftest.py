"""Test tiers: unit and integration run by default; GPU tests only with --run-gpu (STYLE.md practice 12).

Given --run-gpu on a machine without CUDA, GPU tests fail rather than skip, so a GPU job cannot
go green without a GPU.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-gpu", action="store_true", default=False, help="run tests marked gpu (needs CUDA)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-gpu"):
        return
    skip = pytest.mark.skip(reason="needs --run-gpu")
    for item in items:
        if "gpu" in item.keywords:
            item.add_marker(skip)
