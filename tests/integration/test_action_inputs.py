"""The action's `ignore` and `config` inputs, through action.yml's own `pgolf ci` step run with bash as GitHub
runs it: each suppressed finding is still in the annotations and the step summary, with its reason."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.fixture_kit import standard_files
from tests.integration.test_action_isolation import ACTION, _run_step
from tests.integration.test_ci_gate import EXISTING, TRACK, RecordsRepo

pytestmark = pytest.mark.integration

NEW = f"{TRACK}/2026-04-29_Run"
TITLE = "title=PG001 pr-touches-outside-records (REQUIRED-FILES)"


def _gate_step(tmp_path: Path, **inputs: str) -> tuple[int, str, str]:
    """A PR that adds a folder and edits the root README (PG001), judged by the action's step."""
    repo = RecordsRepo(tmp_path / "workspace")
    repo.write("README.md", "# records\n")
    repo.write_folder(EXISTING, standard_files())
    repo.write(".github/pgolf.toml", 'ignore = [{ code = "PG001", reason = "maintainers edit the README" }]\n')
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write_folder(NEW, standard_files())
    repo.write("README.md", "# records, edited by the PR\n")
    head = repo.commit("the PR")

    action = yaml.safe_load(ACTION.read_text("utf-8"))
    step: dict[str, Any] = next(s for s in action["runs"]["steps"] if s.get("name") == "pgolf ci")
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values.update(base=base, head=head, repo=str(repo.root), **inputs)
    context = {
        "runner.temp": str(runner_temp),
        "github.workspace": str(repo.root),
        **{f"inputs.{k}": v for k, v in values.items()},
    }
    summary = runner_temp / "step_summary.md"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    # The install step's venv stands in as this interpreter (pgolf installed): only the gate step is under test.
    step = {**step, "env": {**step["env"], "PGOLF_PYTHON": sys.executable}}
    done = _run_step(step, context, env)
    return done.returncode, done.stdout, summary.read_text("utf-8") if summary.is_file() else done.stderr


def test_the_ignore_input_suppresses_with_each_lines_reason(tmp_path: Path) -> None:
    code, out, summary = _gate_step(tmp_path, ignore="\n  \nPG001: the README edit is the maintainers'\n")
    assert code == 0, out
    notice = f"::notice file=README.md,{TITLE}::"
    line = next(line for line in out.splitlines() if line.startswith(notice))
    assert line.endswith("suppressed: the README edit is the maintainers' [--ignore]"), line
    assert "suppressed: the README edit is the maintainers' [--ignore]" in summary


def test_the_config_input_reads_that_file_at_base(tmp_path: Path) -> None:
    code, out, summary = _gate_step(tmp_path, config=".github/pgolf.toml")
    assert code == 0, out
    assert any(
        line.startswith(f"::notice file=README.md,{TITLE}::") and "suppressed: maintainers edit the README" in line
        for line in out.splitlines()
    ), out
    assert "suppressed: maintainers edit the README" in summary


def test_without_either_input_the_finding_fails_the_gate(tmp_path: Path) -> None:
    code, out, _ = _gate_step(tmp_path)
    assert code == 1
    assert any(line.startswith(f"::error file=README.md,{TITLE}::") for line in out.splitlines()), out
