"""A stand-in for the `sky` module: the calls pgolf.cluster.sky makes, answering with SkyPilot 0.14.1's
recorded response shapes (recorded/sky-0.14.1.json) and a scripted node per launch.

Time is counted in ticks: one tick per `sky.status` call after a launch request succeeded, which the
orchestrator makes once per poll. A `NodeScript` says what the node does at which tick: seeds whose
records appear, when the job ends and how, when the node is lost. The node's output folder is a
real folder under `remote_root/<cluster>/`, copied back by `FakeTransportSdk.pull` (rsync stands in).
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import json
import shutil
import types
import uuid
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from pgolf.cluster.sky import SkySdk
from pgolf.manifest import Manifest
from pgolf.runner import proc
from pgolf.runner.hook import HOOK_DIR
from pgolf.runner.model import (
    Artifacts,
    DataLocation,
    EnvFingerprint,
    ProcessOutcome,
    RunIndex,
    RunOptions,
    SeedEntry,
    SeedRecord,
    SeedStatus,
    StopReason,
    Timing,
    TraceSummary,
    TrainingProgress,
)
from pgolf.runner.plan import plan as runner_plan

RECORDED = json.loads((Path(__file__).parent / "recorded" / "sky-0.14.1.json").read_text("utf-8"))

ClusterStatus = Enum("ClusterStatus", {v: v for v in RECORDED["cluster_statuses"]})  # type: ignore[misc]
JobStatus = Enum("JobStatus", {v: v for v in RECORDED["job_statuses"]})  # type: ignore[misc]
StatusRefreshMode = Enum("StatusRefreshMode", {v: v for v in RECORDED["refresh_modes"]})  # type: ignore[misc]


class ClusterDoesNotExist(ValueError):
    pass


class ClusterNotUpError(Exception):
    pass


class ResourcesUnavailableError(Exception):
    pass


class InvalidSkyPilotConfigError(ValueError):
    pass


@dataclass
class NodeScript:
    """What one launch of a cluster does, in ticks after its launch request succeeded."""

    launch_polls: int = 1  # api_status answers RUNNING this many times, then the final state
    launch_error: str | None = None  # "no_capacity" or "invalid": the launch request fails
    seeds: dict[int, int] = field(default_factory=dict)  # seed -> tick its record appears
    job_end: tuple[int, str] | None = None  # (tick, JobStatus value)
    lost: tuple[int, str] | None = None  # (tick, "GONE" / "STOPPED" / "INIT"): the node is lost
    torn: dict[int, int] = field(default_factory=dict)  # seed -> tick a half-written record.json appears
    score: float = 1.06


class RecordStatusResponse(dict[str, Any]):
    """StatusResponse is a pydantic model that also reads like a dict; the adapter reads it by key."""


@dataclass
class _Launch:
    cluster: str
    script: NodeScript
    config: dict[str, Any]
    job_id: int
    request_id: str
    polls: int = 0
    ticks: int = 0
    down: bool = False


class FakeSky:
    """Module-like: `FakeSky().launch(...)` etc. Scripts are queued per cluster name, one per launch."""

    def __init__(self, remote_root: Path, manifest: Manifest) -> None:
        self.remote_root = remote_root
        self.manifest = manifest
        self.scripts: dict[str, list[NodeScript]] = {}
        self.launches: list[_Launch] = []
        self.calls: list[tuple[str, Any]] = []
        self._requests: dict[str, tuple[str, Any]] = {}
        self._job_ids = itertools.count(1)
        self.Task = types.SimpleNamespace(from_yaml_str=self._task_from_yaml)
        self.ClusterStatus = ClusterStatus
        self.JobStatus = JobStatus
        self.StatusRefreshMode = StatusRefreshMode
        # ~/.sky/config.yaml as the adapter reads it: cloud -> remote_identity (absent: SkyPilot's default)
        self.config: dict[str, Any] = {"runpod": "NO_UPLOAD", "aws": "NO_UPLOAD"}
        self.enabled = ["RunPod", "AWS"]
        self.skypilot_config = types.SimpleNamespace(get_effective_workspace_region_config=self._config_value)
        self.client = types.SimpleNamespace(sdk=types.SimpleNamespace(enabled_clouds=self._enabled_clouds))
        self.exceptions = types.SimpleNamespace(
            ClusterDoesNotExist=ClusterDoesNotExist,
            ClusterNotUpError=ClusterNotUpError,
            ResourcesUnavailableError=ResourcesUnavailableError,
        )

    # ---------------------------------------------------------------- scripting

    def script(self, cluster: str, *scripts: NodeScript) -> None:
        self.scripts.setdefault(cluster, []).extend(scripts)

    def current(self, cluster: str) -> _Launch | None:
        found = [launch for launch in self.launches if launch.cluster == cluster]
        return found[-1] if found else None

    def out_dir(self, cluster: str) -> Path:
        return self.remote_root / cluster / "out"

    # ---------------------------------------------------------------- the sky API

    def _task_from_yaml(self, text: str) -> dict[str, Any]:
        config = yaml.safe_load(text)
        assert isinstance(config, dict) and "run" in config and "resources" in config
        return config

    def _config_value(
        self, cloud: str, keys: tuple[str, ...], region: str | None = None, default_value: Any = None, **_: Any
    ) -> Any:
        assert keys == ("remote_identity",)
        return self.config.get(cloud, default_value)

    def _enabled_clouds(self) -> str:
        return self._request("enabled_clouds", None)

    def _request(self, kind: str, payload: Any) -> str:
        request_id = str(uuid.uuid4())
        self._requests[request_id] = (kind, payload)
        return request_id

    def launch(
        self,
        task: dict[str, Any],
        *,
        cluster_name: str,
        retry_until_up: bool,
        idle_minutes_to_autostop: int,
        down: bool,
    ) -> str:
        self.calls.append(("launch", cluster_name))
        queue = self.scripts.get(cluster_name, [])
        assert queue, f"unscripted launch of {cluster_name}"
        script = queue.pop(0)
        shutil.rmtree(self.remote_root / cluster_name, ignore_errors=True)  # a fresh node: an empty disk
        launch = _Launch(cluster_name, script, task, next(self._job_ids), "")
        launch.request_id = self._request("launch", launch)
        self.launches.append(launch)
        return launch.request_id

    def api_status(self, request_ids: list[str]) -> list[Any]:
        out = []
        for request_id in request_ids:
            kind, payload = self._requests.get(request_id, ("", None))
            if kind != "launch":
                continue
            payload.polls += 1
            status = "RUNNING" if payload.polls <= payload.script.launch_polls else "SUCCEEDED"
            if status == "SUCCEEDED" and payload.script.launch_error:
                status = "FAILED"
            record = copy.deepcopy(RECORDED["request_payload"])
            record.update(request_id=request_id, status=status, cluster_name=payload.cluster)
            out.append(types.SimpleNamespace(**record))
        return out

    def get(self, request_id: str) -> Any:
        kind, payload = self._requests[request_id]
        if kind == "launch":
            error = payload.script.launch_error
            if error == "no_capacity":
                raise ResourcesUnavailableError("Failed to provision all possible launchable resources.\nmore")
            if error == "invalid":
                raise InvalidSkyPilotConfigError("Invalid config: accelerators")
            return (payload.job_id, None)
        if kind == "status":
            return self._status(payload)
        if kind == "enabled_clouds":
            return list(self.enabled)
        if kind == "job_status":
            return self._job_status(*payload)
        if kind == "down":
            launch = self.current(payload)
            if launch is None or launch.down:
                raise ClusterDoesNotExist(f"Cluster {payload!r} does not exist.")
            launch.down = True
            return None
        raise AssertionError(kind)

    def status(self, *, cluster_names: list[str], refresh: Any) -> str:
        assert refresh is StatusRefreshMode["AUTO"]
        self.calls.append(("status", tuple(cluster_names)))
        return self._request("status", cluster_names)

    def job_status(self, cluster_name: str, job_ids: list[int] | None) -> str:
        self.calls.append(("job_status", cluster_name))
        return self._request("job_status", (cluster_name, job_ids))

    def down(self, cluster_name: str) -> str:
        self.calls.append(("down", cluster_name))
        return self._request("down", cluster_name)

    # ---------------------------------------------------------------- the node

    def _cluster_state(self, launch: _Launch) -> str | None:
        """The cluster's status value, or None when sky.status omits it (terminated)."""
        if launch.down:
            return None
        if launch.script.launch_error or 0 < launch.polls <= launch.script.launch_polls:
            return "INIT"
        if launch.script.launch_polls and launch.polls == 0:
            return "INIT"
        if launch.script.lost and launch.ticks >= launch.script.lost[0]:
            state = launch.script.lost[1]
            return None if state == "GONE" else state
        return "UP"

    def _status(self, names: list[str]) -> list[RecordStatusResponse]:
        out = []
        for name in names:
            launch = self.current(name)
            if launch is None:
                continue
            if self._cluster_state(launch) == "UP":
                launch.ticks += 1
                self._materialize(launch)
            state = self._cluster_state(launch)
            if state is None:
                continue
            record = copy.deepcopy(RECORDED["status_response"])
            record.update(name=name, status=ClusterStatus[state])
            out.append(RecordStatusResponse(record))
        return out

    def _job_status(self, cluster: str, job_ids: list[int] | None) -> dict[int, Any]:
        launch = self.current(cluster)
        if launch is None or launch.down:
            raise ClusterDoesNotExist(f"Cluster {cluster!r} does not exist.")
        if self._cluster_state(launch) != "UP":
            raise ClusterNotUpError(f"Cluster {cluster!r} is not up.")
        end = launch.script.job_end
        value = end[1] if end and launch.ticks >= end[0] else "RUNNING"
        job_id = launch.job_id if job_ids is None else job_ids[0]
        return {job_id: JobStatus[value] if job_id == launch.job_id else None}

    def _materialize(self, launch: _Launch) -> None:
        """Write what the node has produced by now: a run folder, finished seeds' folders."""
        seeds = sorted(launch.script.seeds)
        run_dir = self.out_dir(launch.cluster) / self.manifest.name / f"local-{launch.job_id:012d}"
        for seed, tick in launch.script.seeds.items():
            if launch.ticks >= tick and not (run_dir / f"seed-{seed}" / "record.json").is_file():
                write_seed(run_dir, self.manifest, seed, seeds, launch.script.score)
        for seed, tick in launch.script.torn.items():
            if launch.ticks >= tick:
                torn = run_dir / f"seed-{seed}" / "record.json"
                torn.parent.mkdir(parents=True, exist_ok=True)
                torn.write_text('{"schema_version": 1, "pgolf_version": "0.1.0", "name": "ex', "utf-8")


def write_seed(run_dir: Path, manifest: Manifest, seed: int, seeds: list[int], score: float) -> None:
    """A finished seed as `pgolf reproduce` leaves it: the run's plan and index, the seed's log and record."""
    data = DataLocation(variant=manifest.dataset.variant, dataset_dir=run_dir / "data")
    options = RunOptions(source_dir=run_dir / "source", data=data, hook_dir=HOOK_DIR, out_dir=run_dir.parent.parent)
    plan = runner_plan(manifest, options.model_copy(update={"seeds": seeds, "run_id": run_dir.name}))
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "plan.json").write_text(plan.model_dump_json(indent=2), "utf-8")
    now = dt.datetime(2026, 5, 2, tzinfo=dt.UTC)
    seed_folder = run_dir / f"seed-{seed}"
    seed_folder.mkdir(parents=True, exist_ok=True)
    (seed_folder / "output.log").write_text(f"quantized_ttt_phased val_loss:2.3 val_bpb:{score}\n", "utf-8")
    record = SeedRecord(
        pgolf_version="0.1.0",
        name=manifest.name,
        run_id=run_dir.name,
        seed=seed,
        backend="local",
        isolation="local: process group only",
        status=SeedStatus.OK,
        exit_code=0,
        started=now,
        ended=now,
        wall_s=1500.0,
        deadline_s=2400.0,
        process=ProcessOutcome(exit_code=0),
        timing=Timing(wall_s=1500.0),
        artifacts=Artifacts(cap_bytes=16_000_000, total_bytes=15_900_000),
        score_bpb=score,
        progress=TrainingProgress(steps_reached=60, steps_planned=60, stop_reason=StopReason.ITERATIONS),
        claim=manifest.claims.get(seed),
        fingerprint=EnvFingerprint(),
        trace=TraceSummary(),
    )
    (seed_folder / "record.json").write_text(record.model_dump_json(indent=2), "utf-8")
    index = RunIndex(
        pgolf_version="0.1.0",
        name=manifest.name,
        run_id=run_dir.name,
        plan_hash=plan.plan_hash,
        backend="local",
        created=now,
        updated=now,
        seeds=[
            SeedEntry(seed=s, state="done" if (run_dir / f"seed-{s}/record.json").is_file() else "pending")
            for s in seeds
        ],
    )
    (run_dir / "index.json").write_text(index.model_dump_json(indent=2), "utf-8")


class FakeTransportSdk(SkySdk):
    """The real adapter over the fake module; only the transport is replaced (no rsync/ssh here):
    pulling from a node that is not UP fails the way rsync over ssh does."""

    def __init__(self, sky: FakeSky) -> None:
        super().__init__(sky)
        self.fake = sky
        self.pulls: list[str] = []

    def pull(self, cluster: str, remote_dir: str, local_dir: Path) -> None:
        self.pulls.append(cluster)
        launch = self.fake.current(cluster)
        if launch is None or self.fake._cluster_state(launch) not in ("UP", "INIT"):
            raise proc.CommandFailed(
                ["rsync", f"{cluster}:{remote_dir}/"], 255, f"ssh: Could not resolve hostname {cluster}"
            )
        local_dir.mkdir(parents=True, exist_ok=True)
        source = self.fake.out_dir(cluster)
        if source.is_dir():
            shutil.copytree(source, local_dir, dirs_exist_ok=True)
