"""The SkyPilot task of one fan-out task (https://docs.skypilot.co/en/latest/reference/yaml-spec.html).

`task_config` is pure (a dict); `task_yaml` renders it. The result is what `sky.Task.from_yaml_str`
loads (a test runs SkyPilot's own loader on it). What the task deliberately lacks:
- no credential of any kind in `envs` (the job can read its whole environment), no
  `api_server_access`, no cloud bucket mount (a bucket mount needs storage credentials on the node);
- no `job_recovery`: preemption is handled by the orchestrator, which copies back what finished and
  relaunches only the seeds without a record.
"""

from __future__ import annotations

import re
from typing import Any

from pgolf.cluster.model import FanoutOptions, FanoutPlan, NodeLayout, TaskSpec
from pgolf.cluster.node import data_lock_mount, manifest_mount, run_script, setup_script, source_mount
from pgolf.errors import EnvironmentMissing

# The env keys a task may carry: labels only. A test asserts nothing credential-like slips in.
_ENV_KEY = re.compile(r"^PGOLF_(FANOUT|TASK|ATTEMPT)$")


def resources(options: FanoutOptions, image: str | None, disk_size_gb: int) -> dict[str, Any]:
    res: dict[str, Any] = {"accelerators": options.accelerators, "use_spot": options.use_spot}
    if options.infra is not None:
        res["infra"] = options.infra
    if image is not None:
        # The pinned image is the node's runtime: on RunPod the pod image itself, elsewhere the
        # container SkyPilot runs the task in.
        res["image_id"] = f"docker:{image}"
    res["disk_size"] = disk_size_gb
    return res


def file_mounts(task: TaskSpec, node: NodeLayout) -> dict[str, str]:
    mounts: dict[str, str] = {}
    if task.source_dir is not None:
        mounts[source_mount(node)] = str(task.source_dir)
    if task.manifest_upload:
        mounts[manifest_mount(node, task.name)] = str(task.manifest_file)
    if task.data_lock is not None:
        mounts[data_lock_mount(node)] = str(task.data_lock)
    return mounts


def task_config(plan: FanoutPlan, task: TaskSpec, seeds: list[int], attempt: int) -> dict[str, Any]:
    """The task as SkyPilot's YAML schema has it, for `seeds` (a relaunch runs only the unfinished)."""
    envs = {"PGOLF_FANOUT": plan.fanout_id, "PGOLF_TASK": task.task_id, "PGOLF_ATTEMPT": str(attempt)}
    assert all(_ENV_KEY.match(key) for key in envs)
    config: dict[str, Any] = {
        "name": task.cluster,
        "workdir": str(plan.workdir),
        "resources": resources(plan.options, task.image, plan.options.disk_size_gb),
        "envs": envs,
        "setup": setup_script(task, plan.node),
        "run": run_script(task, plan.node, seeds),
    }
    mounts = file_mounts(task, plan.node)
    if mounts:
        config["file_mounts"] = mounts
    return config


def _literal_blocks(dumper: Any, data: str) -> Any:
    """Multi-line scripts as YAML block literals, so the task file reads like the shell it runs."""
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


def render(config: dict[str, Any]) -> str:
    try:
        import yaml
    except ImportError as exc:
        raise EnvironmentMissing("writing SkyPilot task YAML needs PyYAML: pip install 'pgolf[cluster]'") from exc

    class _Dumper(yaml.SafeDumper):
        pass

    _Dumper.add_representer(str, _literal_blocks)
    return str(yaml.dump(config, Dumper=_Dumper, sort_keys=False, default_flow_style=False))


def task_yaml(plan: FanoutPlan, task: TaskSpec, seeds: list[int], attempt: int = 1) -> str:
    return render(task_config(plan, task, seeds, attempt))
