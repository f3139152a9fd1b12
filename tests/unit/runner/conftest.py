"""Unit tier guard: the runner's unit tests start no process and reach no Docker daemon.

Backends are exercised through fakes at our own seams (pgolf.runner.proc, the docker client);
anything that slips past them to subprocess or the SDK fails loudly here (STYLE.md practice 12).
"""

from __future__ import annotations

import contextlib
import subprocess
from typing import Any, NoReturn

import pytest

# matplotlib builds its font cache with `fc-list` on first use: let it, before processes are forbidden.
with contextlib.suppress(ImportError):  # a base install writes reports without figures
    import matplotlib.font_manager  # noqa: F401


def _forbidden(*args: Any, **kwargs: Any) -> NoReturn:
    raise AssertionError(f"unit tests must not start processes or reach Docker: {args!r:.200}")


@pytest.fixture(autouse=True)
def no_real_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subprocess, "Popen", _forbidden)
    monkeypatch.setattr("docker.from_env", _forbidden)
