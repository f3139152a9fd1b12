"""`pgolf check` must work on a base install: none of the runner extra's packages may be imported
(matplotlib, the report extra's, included); `pgolf verify-bundle` works there too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER_EXTRA = ("numpy", "torch", "docker", "sentencepiece", "huggingface_hub", "matplotlib", "PIL")

_BLOCKED_CLI = """
import importlib.abc, sys
class Blocker(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ImportError(name=name.split(".")[0])
        return None
sys.meta_path.insert(0, Blocker())
from pgolf.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def _pgolf(*args: str) -> subprocess.CompletedProcess[str]:
    code = _BLOCKED_CLI.format(blocked=set(RUNNER_EXTRA))
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=False)


@pytest.mark.integration
def test_check_runs_without_the_runner_extra() -> None:
    result = _pgolf("check", "submissions/example", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert '"code": "PG401"' in result.stdout, "the code audit ran too"


@pytest.mark.integration
def test_runner_commands_say_what_is_missing() -> None:
    result = _pgolf("data", "--help")
    assert result.returncode == 3
    assert "needs the runner extra" in result.stderr and "Traceback" not in result.stderr
    listing = _pgolf("--help")
    assert listing.returncode == 0 and "reproduce" in listing.stdout


@pytest.mark.integration
def test_an_evidence_bundle_verifies_without_the_runner_extra(tmp_path: Path) -> None:
    from pgolf.report.write import publish
    from tests.unit.report.report_kit import make_run

    run_dir = make_run(tmp_path, {42: 1.0612, 314: 1.0609, 1234: 1.0631})
    _, paths = publish(run_dir)
    result = _pgolf("verify-bundle", str(paths["bundle"]))
    assert result.returncode == 0, result.stderr
    assert "verdict reproduced recomputed" in result.stdout
