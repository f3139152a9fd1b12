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
    assert set(doc["inputs"]) == {"base", "head", "policy", "repo", "ignore", "config", "python-version"}
    assert steps[0]["uses"] == SETUP_PYTHON_V5_3_0
    install, gate = steps[1], steps[2]
    assert install["env"]["ACTION_PATH"] == "${{ github.action_path }}"
    assert '--require-hashes --only-binary=:all: --no-deps -r "$ACTION_PATH/requirements/action.txt"' in install["run"]
    assert '--no-deps --no-build-isolation --no-index "$WORK/src"' in install["run"]
    assert '"$PGOLF_PYTHON" -I -m pgolf "${args[@]}"' in gate["run"]
    assert all(s.get("shell") == "bash" for s in steps if "run" in s)


def test_action_never_works_in_the_checkout() -> None:
    """Every interpreter is isolated (-I) and every step runs in $RUNNER_TEMP, so nothing the PR adds
    to the checkout (venv.py, pip/, sitecustomize.py, .pth files) is on a path Python searches."""
    for step in (s for s in _steps(_load(ACTION)) if "run" in s):
        assert step["working-directory"] == "${{ runner.temp }}", step["name"]
        calls = re.findall(r"(?i)python\S*\"?((?: -\w+)*) -m ", step["run"])
        assert calls, step["name"]
        assert all("-I" in flags.split() for flags in calls), (step["name"], calls)
        assert 'case "$name" in PYTHON*) unset' in step["run"], step["name"]


def test_pre_commit_hooks_call_real_commands_on_records_files() -> None:
    hooks = {h["id"]: h for h in _load(HOOKS)}

    assert set(hooks) == {"pgolf-validate", "pgolf-check-records"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["require_serial"] is True
        program, command, *_ = hook["entry"].split()
        assert program == "pgolf"
        assert isinstance(cli, click.Group)
        assert cli.get_command(click.Context(cli), command) is not None  # commands load lazily
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


REQUIREMENTS = ROOT / "requirements" / "action.txt"
_PIN = re.compile(r"^([A-Za-z0-9._-]+)==(\S+) \\$")


def _pins() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from requirements/action.txt."""
    pins: dict[str, tuple[str, int]] = {}
    current = ""
    for line in REQUIREMENTS.read_text("utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = match.group(1).lower().replace("_", "-")
            pins[current] = (match.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, count = pins[current]
            pins[current] = (version, count + 1)
    return pins


def _closure(names: list[str]) -> set[str]:
    """The installed distributions `names` need, following Requires-Dist without extras."""
    from importlib import metadata

    from packaging.markers import default_environment
    from packaging.requirements import Requirement

    environment = {**{k: str(v) for k, v in default_environment().items()}, "extra": ""}
    seen: set[str] = set()
    todo = list(names)
    while todo:
        req = Requirement(todo.pop())
        name = req.name.lower().replace("_", "-")
        if name in seen or (req.marker is not None and not req.marker.evaluate(environment)):
            continue
        seen.add(name)
        todo += metadata.requires(name) or []
    return seen


def test_action_requirements_pin_every_dependency_by_hash() -> None:
    """requirements/action.txt (pip-compile --generate-hashes, `make action-requirements`) pins, with
    hashes, every distribution pgolf's base install needs and the build backend, and nothing else."""
    import tomllib

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    direct = list(project["project"]["dependencies"])
    build = list(project["build-system"]["requires"])
    pins = _pins()

    assert all(count >= 1 for _, count in pins.values()), pins
    for spec in [*direct, *build]:
        req = Requirement(spec)
        name = req.name.lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in {REQUIREMENTS.name}: run `make action-requirements`"
        assert req.specifier.contains(pins[name][0]), f"{name}=={pins[name][0]} does not satisfy {spec}"
    wanted = _closure(direct) | {Requirement(b).name.lower() for b in build}
    assert set(pins) == wanted, "requirements/action.txt drifted: run `make action-requirements`"
