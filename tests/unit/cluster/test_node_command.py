"""A node runs exactly the local `pgolf reproduce` invocation: the same CLI, options, backend and plan."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from pgolf.cli import main
from pgolf.cli.reproduce import reproduce
from pgolf.cluster.model import FanoutPlan
from pgolf.cluster.node import reproduce_argv, run_script, setup_script
from tests.unit.cluster.conftest import ROOT, make_plan


def _node_argv(plan: FanoutPlan, seeds: list[int]) -> list[str]:
    """The command line in the task's `run` script, as the node will execute it."""
    task = plan.tasks[0]
    lines = run_script(task, plan.node, seeds).splitlines()
    assert lines[0] == "set -euo pipefail" and len(lines) == 2, "run is the one pgolf reproduce command"
    argv = shlex.split(lines[1])
    assert argv[0] == plan.node.pgolf
    return ["pgolf", *argv[1:]]


def test_run_step_is_the_reproduce_command_and_click_accepts_every_option(example_plan: FanoutPlan) -> None:
    task = example_plan.tasks[0]
    argv = _node_argv(example_plan, task.seeds)
    assert argv == reproduce_argv(task, example_plan.node, task.seeds)
    assert argv[:3] == ["pgolf", "reproduce", "submissions/example.toml"]
    ctx = reproduce.make_context("reproduce", argv[2:])  # the real command's parser: unknown options fail
    assert ctx.params["backend"] == "local", "on the node the image is the runtime: the local backend"
    assert ctx.params["seeds"] == "1337"
    assert ctx.params["python"] == example_plan.node.image_python
    assert ctx.params["out_dir"] == Path(example_plan.node.out)
    assert ctx.params["image"] == task.image
    assert not ctx.params["dry_run"]


def test_node_and_local_invocations_plan_the_same_run(
    example_plan: FanoutPlan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run the node's argv (node paths moved under tmp) and what a user types locally, both --dry-run:
    the plans are identical, so cluster, docker and local runs share one code path."""
    monkeypatch.chdir(ROOT)
    task = example_plan.tasks[0]
    out, python = str(tmp_path / "out"), sys.executable
    node = [
        {example_plan.node.out: out, example_plan.node.image_python: python}.get(a, a)
        for a in _node_argv(example_plan, task.seeds)
    ]
    local = ["pgolf", "reproduce", "example", "--seeds", "1337", "--out", out, "--python", python]
    local += ["--image", str(task.image)]

    plans = []
    for argv in (node, local):
        assert main([*argv[1:], "--dry-run", "--format", "json"]) == 0
        plans.append(json.loads(capsys.readouterr().out))
    node_plan, local_plan = plans
    assert node_plan == local_plan
    assert node_plan["backend"] == "local" and [s["seed"] for s in node_plan["specs"]] == [1337]
    assert node_plan["specs"][0]["command"][:3] == [python, "-m", "torch.distributed.run"]


def test_pr_task_reproduces_from_the_uploaded_source_and_the_fetched_data(tmp_path: Path) -> None:
    from tests.unit.cluster.test_task_yaml import _pr_plan

    plan = _pr_plan(tmp_path)
    task = plan.tasks[0]
    argv = _node_argv(plan, [314])
    ctx = reproduce.make_context("reproduce", argv[2:])
    assert ctx.params["source"] == Path(f"{plan.node.inputs}/source")
    assert ctx.params["data"] == Path(plan.node.dataset_link)
    assert ctx.params["seeds"] == "314"
    assert argv[2] == f"{plan.node.inputs}/manifests/pr9999.toml"
    setup = setup_script(task, plan.node)
    # the same `pgolf data fetch` (download, sha256 of every file, dataset verify) a local user runs
    fetch = f"{plan.node.pgolf} data fetch sp8192_caseops --train-shards 80 --cache {plan.node.data_cache}"
    assert f"{fetch} --pinned-only --lock {plan.node.inputs}/data.lock.json" in setup
    from pgolf.cli.data import fetch as fetch_command

    argv = shlex.split(next(line for line in setup.splitlines() if " data fetch " in line).split(" > ")[0])
    ctx = fetch_command.make_context("fetch", argv[3:])  # the real `pgolf data fetch` parser accepts it
    assert ctx.params["pinned_only"] and ctx.params["lock_path"] == Path(f"{plan.node.inputs}/data.lock.json")
    assert "set -euo pipefail" in setup, "a failed fetch or verify fails the setup (FAILED_SETUP)"


def test_node_requirements_are_the_runner_extra_without_torch_and_docker() -> None:
    import tomllib

    from pgolf.cluster.model import cluster_defaults

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["optional-dependencies"]
    runner = {r for r in extras["runner"] if not r.startswith(("torch", "docker"))}
    assert set(cluster_defaults().node.requirements) == runner


def test_seeds_of_a_relaunch_are_only_the_unfinished(tmp_path: Path) -> None:
    plan = make_plan(tmp_path, per="pr")
    assert _node_argv(plan, [42])[_node_argv(plan, [42]).index("--seeds") + 1] == "42"
