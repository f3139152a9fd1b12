"""The GitHub files the gate ships: no pull_request_target, minimal permissions, every action pinned
by full SHA, no ${{ }} inside shell scripts, pgolf installed from the action, never from the PR."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from pgolf.cli import cli

ROOT = Path(__file__).resolve().parents[3]
ACTION = ROOT / "action.yml"
EXAMPLE = ROOT / "examples" / "records-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
DOC = ROOT / "docs" / "ci-gate.md"

PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
USES_LINE = re.compile(r"^\s*(?:-\s*)?uses:\s*(\S+)(.*)$")
CHECKOUT_V4_2_2 = "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"
SETUP_PYTHON_V5_3_0 = "actions/setup-python@0b93645e9fea7318ecaed2b359559ac225c90a2b"


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text("utf-8"))


def _code_lines(path: Path) -> list[str]:
    """The file's lines without comments (comments may explain why pull_request_target is banned)."""
    return [line for line in path.read_text("utf-8").splitlines() if not line.lstrip().startswith("#")]


def _steps(doc: Any) -> list[dict[str, Any]]:
    if "runs" in doc:
        steps: list[dict[str, Any]] = doc["runs"]["steps"]
        return steps
    return [step for job in doc["jobs"].values() for step in job["steps"]]


@pytest.mark.parametrize("path", [ACTION, EXAMPLE], ids=["action", "example"])
def test_never_pull_request_target(path: Path) -> None:
    assert not any("pull_request_target" in line for line in _code_lines(path))


@pytest.mark.parametrize("path", [ACTION, EXAMPLE], ids=["action", "example"])
def test_every_action_is_pinned_by_full_sha_with_a_version_comment(path: Path) -> None:
    uses = [m for line in _code_lines(path) if (m := USES_LINE.match(line))]
    assert uses, "expected at least one `uses:`"
    for match in uses:
        ref, rest = match.group(1), match.group(2)
        assert PINNED.match(ref), f"{ref} is not pinned to a 40-hex commit SHA"
        assert re.fullmatch(r"\s+# v\S+", rest), f"{ref}: add the version as a comment, e.g. `# v4.2.2`"
    assert {s["uses"] for s in _steps(_load(path)) if "uses" in s} == {m.group(1) for m in uses}


@pytest.mark.parametrize("path", [ACTION, EXAMPLE], ids=["action", "example"])
def test_no_expressions_inside_shell_scripts(path: Path) -> None:
    for step in _steps(_load(path)):
        assert "${{" not in step.get("run", ""), f"{step.get('name')}: pass values through env instead"


def test_example_workflow_trigger_and_permissions() -> None:
    doc = _load(EXAMPLE)
    triggers = doc.get("on", doc.get(True))  # YAML 1.1 reads a bare `on` key as the boolean true

    assert triggers == {"pull_request": {"paths": ["records/**"]}}
    assert doc["permissions"] == {}
    assert {name: job["permissions"] for name, job in doc["jobs"].items()} == {"pgolf": {"contents": "read"}}


def test_example_checkout_keeps_no_credentials_and_fetches_history() -> None:
    (checkout,) = [s for s in _steps(_load(EXAMPLE)) if s.get("uses", "").startswith("actions/checkout@")]

    assert checkout["uses"] == CHECKOUT_V4_2_2
    assert checkout["with"] == {"fetch-depth": 0, "persist-credentials": False}


def test_example_runs_the_gate_by_pinned_ref_with_the_prs_commits() -> None:
    (gate,) = [s for s in _steps(_load(EXAMPLE)) if s.get("uses", "").split("@")[0].endswith("/pgolf")]

    assert gate["with"]["base"] == "${{ github.event.pull_request.base.sha }}"
    assert gate["with"]["head"] == "${{ github.event.pull_request.head.sha }}"


def test_action_is_composite_and_installs_pgolf_from_its_own_path() -> None:
    doc = _load(ACTION)
    steps = _steps(doc)

    assert doc["runs"]["using"] == "composite"
    assert {"base", "head", "policy", "pgolf-version"} <= set(doc["inputs"])
    assert steps[0]["uses"] == SETUP_PYTHON_V5_3_0
    install, gate = steps[1], steps[2]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '-m pip install --disable-pip-version-check "$ACTION_PATH"' in install["run"]
    assert gate["run"].strip().startswith('"$VENV/bin/pgolf" ci --base "$PGOLF_BASE" --head "$PGOLF_HEAD"')
    assert all(s.get("shell") == "bash" for s in steps if "run" in s)


def test_pre_commit_hooks_call_real_commands_on_records_files() -> None:
    hooks = {h["id"]: h for h in _load(HOOKS)}

    assert set(hooks) == {"pgolf-validate", "pgolf-check-records"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["require_serial"] is True
        program, command, *_ = hook["entry"].split()
        assert program == "pgolf"
        assert isinstance(cli, click.Group)
        assert command in cli.commands
    validate = re.compile(hooks["pgolf-validate"]["files"])
    check = re.compile(hooks["pgolf-check-records"]["files"])
    assert validate.search("records/track_10min_16mb/2026-04-29_x/submission.json")
    assert not validate.search("records/track_10min_16mb/2026-04-29_x/logs/submission.json")
    assert check.search("records/track_10min_16mb/2026-04-29_x/train_gpt.py")
    assert not check.search("README.md")
    assert not check.search("records/track_10min_16mb/notes.md")


def test_docs_show_the_example_workflow_verbatim() -> None:
    doc = DOC.read_text("utf-8")

    assert f"```yaml\n{EXAMPLE.read_text('utf-8')}```" in doc
