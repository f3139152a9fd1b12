"""Run a snippet under an interpreter that has SkyPilot: this one (pgolf[cluster] installed) or the
side venv `make venv` builds at .venv/sky (SkyPilot pins click<8.2, so it stays out of the test venv)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
SIDE_VENV = ROOT / ".venv" / "sky" / "bin" / "python"


def sky_python() -> str | None:
    if os.environ.get("PGOLF_SKY_PYTHON"):
        return os.environ["PGOLF_SKY_PYTHON"]
    if importlib.util.find_spec("sky") is not None:
        return sys.executable
    return str(SIDE_VENV) if SIDE_VENV.is_file() else None


def run_sky(code: str, *args: str) -> Any:
    """Run `code` (which prints one JSON document) with SkyPilot importable; skip when it is nowhere."""
    python = sky_python()
    if python is None:
        pytest.skip("SkyPilot is not installed: pip install 'pgolf[cluster]' (or `make venv` for .venv/sky)")
    env = {**os.environ, "SKYPILOT_DISABLE_USAGE_COLLECTION": "1", "HOME": os.environ.get("HOME", "/tmp")}
    done = subprocess.run(
        [python, "-c", code, *args], capture_output=True, text=True, check=False, env=env, timeout=240
    )
    if done.returncode != 0:
        raise AssertionError(f"SkyPilot snippet failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
