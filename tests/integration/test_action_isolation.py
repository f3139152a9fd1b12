"""The shipped action and pre-commit hooks never execute anything from the PR's checkout (issue 13, point 1).

action.yml is parsed and its `run:` steps are executed with bash the way GitHub runs a composite
action's steps (`bash --noprofile --norc -eo pipefail`, the step's working-directory, its `env:`
with `${{ }}` evaluated, GITHUB_* and RUNNER_* set), against a checkout of a PR that plants
`venv.py`, `pip/__main__.py`, `sitecustomize.py`, `.pth` files and look-alikes of pgolf and its
dependencies. Each planted file writes a marker when Python imports or processes it; none may fire.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.fixture_kit import standard_files
from tests.integration.test_ci_gate import TRACK, RecordsRepo

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
EXPR = re.compile(r"\$\{\{\s*([^}]+?)\s*\}\}")
NEW = f"{TRACK}/2026-04-29_Run"
OFFLINE = ("Failed to establish a new connection", "Temporary failure in name resolution", "Network is unreachable")

# Module names a PR could plant to be imported instead of the real one, at the root and in the folder.
PLANTED_MODULES = [
    "venv.py",
    "pip/__init__.py",
    "pip/__main__.py",
    "ensurepip/__init__.py",
    "setuptools/__init__.py",
    "sitecustomize.py",
    "usercustomize.py",
    "pgolf.py",
    "json.py",
    "click.py",
    "pydantic.py",
    "typing_extensions.py",
    "encodings/__init__.py",
]


def _payload(markers: Path, name: str) -> str:
    return f"open({str(markers / name.replace('/', '_'))!r}, 'w').write('fired')\n"


def _plant(markers: Path, tag: str) -> dict[str, str]:
    files = {module: _payload(markers, f"{tag}-{module}") for module in PLANTED_MODULES}
    files["evil.pth"] = "import os; " + _payload(markers, f"{tag}-evil.pth").strip()
    return files


def _evaluate(text: str, context: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in context:
            raise AssertionError(f"action.yml uses ${{{{ {key} }}}}, which this emulation does not provide")
        return context[key]

    return EXPR.sub(value, text)


def _run_step(
    step: dict[str, Any], context: Mapping[str, str], base_env: Mapping[str, str]
) -> subprocess.CompletedProcess[str]:
    env = {**base_env, **{k: _evaluate(str(v), context) for k, v in step.get("env", {}).items()}}
    cwd = _evaluate(step.get("working-directory", context["github.workspace"]), context)
    script = Path(context["runner.temp"]) / f"step-{abs(hash(step['name']))}.sh"
    script.write_text(step["run"], encoding="utf-8")
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


@pytest.fixture
def planted(tmp_path: Path) -> tuple[RecordsRepo, Path, str, str]:
    """A records clone at the PR's head whose root and new folder are full of planted modules."""
    markers = tmp_path / "markers"
    markers.mkdir()
    repo = RecordsRepo(tmp_path / "workspace")
    repo.write("README.md", "# records\n")
    base = repo.commit("base")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write_folder(NEW, {**standard_files(), **_plant(markers, "folder")})
    for rel, text in _plant(markers, "root").items():
        repo.write(rel, text)
    head = repo.commit("a PR that plants modules")
    return repo, markers, base, head


def test_action_steps_run_nothing_from_the_checkout(
    planted: tuple[RecordsRepo, Path, str, str], tmp_path: Path
) -> None:
    repo, markers, base, head = planted
    action = yaml.safe_load(ACTION.read_text("utf-8"))
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    summary = runner_temp / "step_summary.md"
    inputs = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    inputs.update(base=base, head=head, repo=str(repo.root), ignore="PG402: accepted for this test\n")
    context = {
        "runner.temp": str(runner_temp),
        "github.action_path": str(ROOT),
        "github.workspace": str(repo.root),
        "steps.python.outputs.python-path": sys.executable,
        **{f"inputs.{k}": str(v) for k, v in inputs.items()},
    }
    base_env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(repo.root),
        "GITHUB_ACTION_PATH": str(ROOT),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(runner_temp),
        # What a hostile environment would add; the isolated interpreters ignore all of it.
        "PYTHONPATH": str(repo.root),
        "PYTHONSTARTUP": str(repo.root / "sitecustomize.py"),
        **{k: v for k, v in os.environ.items() if k.startswith(("PIP_", "GIT_CONFIG"))},
    }
    runs = [s for s in action["runs"]["steps"] if "run" in s]
    assert [s["name"] for s in runs] == ["Install pgolf (from the action, dependencies pinned by hash)", "pgolf ci"]

    install = _run_step(runs[0], context, base_env)
    if install.returncode != 0 and any(m in install.stderr for m in OFFLINE):
        pytest.skip("the package index is unreachable from here")
    assert install.returncode == 0, install.stderr[-3000:]
    gate = _run_step(runs[1], context, base_env)

    assert gate.returncode in (0, 1), gate.stderr[-3000:]
    assert sorted(p.name for p in markers.iterdir()) == []
    assert summary.read_text("utf-8").startswith("# pgolf CI gate:")
    # the planted files are the PR's: judged (outside its folder: PG001), never run
    assert "::error file=venv.py,title=PG001 pr-touches-outside-records (REQUIRED-FILES)::" in gate.stdout

    hooks = yaml.safe_load(HOOKS.read_text("utf-8"))
    venv_bin = runner_temp / "pgolf-action" / "venv" / "bin"
    for hook in hooks:
        files = [f"{NEW}/submission.json", f"{NEW}/train_gpt.py", f"{NEW}/venv.py"]
        entry = hook["entry"].split()
        done = subprocess.run(
            [str(venv_bin / entry[0]), *entry[1:], *files],
            cwd=repo.root,
            env={**base_env, "PATH": f"{venv_bin}:{os.environ['PATH']}"},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode in (0, 1), (hook["id"], done.stderr[-2000:])
        assert sorted(p.name for p in markers.iterdir()) == [], hook["id"]
