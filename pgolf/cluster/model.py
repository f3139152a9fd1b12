"""The fan-out's data: what is planned (FanoutPlan, TaskSpec) and what happened (FanoutState).

Plain pydantic and JSON-serializable, like the runner's model: the plan is printed by `--dry-run`
and written once into the fan-out folder; the state is rewritten atomically after every change, so
an interrupted orchestrator resumes from it.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from enum import StrEnum
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FANOUT_SCHEMA_VERSION = 1
Granularity = Literal["seed", "pr"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------------------------- defaults


class NodeDefaults(_Frozen):
    image_python: str
    tool_venv: str
    root: str
    disk_size_gb: int
    requirements: list[str]


class ResourceDefaults(_Frozen):
    accelerators: str
    use_spot: bool


class LifecycleDefaults(_Frozen):
    provision_allowance_s: float
    setup_allowance_s: float
    copy_allowance_s: float
    max_attempts: int
    poll_seconds: float
    idle_minutes_to_autostop: int


class ClusterDefaults(_Frozen):
    node: NodeDefaults
    resources: ResourceDefaults
    lifecycle: LifecycleDefaults


@cache
def cluster_defaults() -> ClusterDefaults:
    text = (resources.files("pgolf.cluster") / "defaults.toml").read_text("utf-8")
    return ClusterDefaults.model_validate(tomllib.loads(text))


# --------------------------------------------------------------------------------------------- planning


class NodeLayout(_Frozen):
    """Paths on the node. Inputs are uploaded by SkyPilot (file_mounts); out is copied back."""

    root: str
    image_python: str
    tool_venv: str

    @property
    def pgolf(self) -> str:
        return f"{self.tool_venv}/bin/pgolf"

    @property
    def data_cache(self) -> str:
        return f"{self.root}/data"

    @property
    def dataset_link(self) -> str:
        """A stable name for the fetched dataset folder, whose real path holds the pinned revision."""
        return f"{self.root}/data/dataset"

    @property
    def out(self) -> str:
        return f"{self.root}/out"

    @property
    def inputs(self) -> str:
        return f"{self.root}/inputs"


class FanoutOptions(_Frozen):
    """What the caller decides: where nodes come from, how many, and how work is cut into tasks."""

    accelerators: str  # SkyPilot's NAME:COUNT, e.g. H100:8
    infra: str | None = None  # SkyPilot infra: runpod, aws/us-east-1, k8s, ...; None lets SkyPilot choose
    use_spot: bool = False
    max_nodes: int = Field(ge=1)
    per: Granularity = "seed"
    seeds: list[int] | None = None  # default: each manifest's
    image: str | None = None  # overrides every manifest's image
    max_attempts: int = Field(ge=1)
    idle_minutes_to_autostop: int = Field(ge=1)
    disk_size_gb: int = Field(ge=1)
    price_per_gpu_hour: float | None = None  # overrides cost.toml's price for the infra


class TaskSpec(_Frozen):
    """One SkyPilot cluster's work: some seeds of one submission, fully resolved."""

    task_id: str  # "<name>-s<seed>" per seed, "<name>" per PR
    cluster: str  # SkyPilot cluster name (unique per fan-out and task)
    name: str  # the manifest's name
    pr: int | None
    target: str  # the MANIFEST_OR_PR argument of the node's `pgolf reproduce`
    manifest_file: Path  # on this machine
    manifest_upload: bool  # True when the manifest is not inside the synced workdir
    source_dir: Path | None  # the exported submission folder to upload; None for a local_folder manifest
    submission_dir: Path | None = None  # that folder on this machine (snapshotted with every seed copied back)
    seeds: list[int]
    image: str | None
    accelerators: str
    gpus: int
    variant: str
    train_shards: int
    data_bytes: int  # what the node downloads for the dataset
    # The fan-out's own data lock, uploaded and fetched with --pinned-only, when the committed lock does
    # not pin the variant: pinned once on this side, so every node fetches the same revision.
    data_lock: Path | None = None
    seed_deadline_s: float  # the runner's own per-seed deadline (train + eval + slack)
    deadline_s: float  # the controller-side deadline of one launch of this task
    blocked: list[str] = Field(default_factory=list)  # why it cannot be launched yet
    notes: list[str] = Field(default_factory=list)  # what a launch will do first, or did not verify


class SeedCost(_Frozen):
    """Expected seconds of one seed on its node, from real logs (cost.toml)."""

    boot_compile_s: float
    train_s: float
    post_train_s: float
    ttt_compile_s: float
    eval_s: float

    @property
    def total_s(self) -> float:
        return self.boot_compile_s + self.train_s + self.post_train_s + self.ttt_compile_s + self.eval_s


class TaskEstimate(_Frozen):
    task_id: str
    node_s: float  # expected node time: overheads + seeds
    worst_s: float  # the controller-side deadline: what a hung task costs at most
    gpu_hours: float
    worst_gpu_hours: float
    dollars: float | None


class CostEstimate(_Frozen):
    price_per_gpu_hour: float | None
    price_source: str
    seed: SeedCost
    overhead_s: float  # per launch: provisioning, image pull, setup, copy back (data download apart)
    data_rate_mb_s: float
    tasks: list[TaskEstimate]
    gpu_hours: float
    worst_gpu_hours: float
    dollars: float | None
    wall_s: float  # expected wall time at max_nodes, tasks packed longest first
    max_nodes: int
    assumptions: list[str]


class FanoutPlan(_Frozen):
    schema_version: int = FANOUT_SCHEMA_VERSION
    fanout_id: str
    fanout_dir: Path
    workdir: Path  # the pgolf checkout synced to every node (SkyPilot workdir)
    node: NodeLayout
    options: FanoutOptions
    tasks: list[TaskSpec]
    estimate: CostEstimate

    @property
    def blocked(self) -> list[TaskSpec]:
        return [task for task in self.tasks if task.blocked]

    def task(self, task_id: str) -> TaskSpec:
        return next(task for task in self.tasks if task.task_id == task_id)


# --------------------------------------------------------------------------------------------- state


class Phase(StrEnum):
    PENDING = "pending"  # not launched (or waiting for a relaunch)
    LAUNCHING = "launching"  # sky.launch submitted: provisioning, setup, job submission
    RUNNING = "running"  # the job runs; finished seeds are copied back as they appear
    DONE = "done"  # every seed has a record here (whatever the records say)
    FAILED = "failed"  # given up: see the last attempt's note


class AttemptEnd(StrEnum):
    FINISHED = "finished"  # the job ended and its records were copied back
    PREEMPTED = "preempted"  # the node was lost or went unhealthy before the job ended
    LAUNCH_FAILED = "launch_failed"  # sky.launch failed (no capacity, quota, setup error)
    JOB_FAILED = "job_failed"  # the job ended without a record for every seed it ran
    DEADLINE = "deadline"  # the controller-side deadline passed; the node was torn down
    CANCELLED = "cancelled"  # the orchestrator was interrupted and tore the node down


class Attempt(_Frozen):
    number: int
    cluster: str
    seeds: list[int]
    launch_request: str | None = None
    job_id: int | None = None
    started: dt.datetime
    ended: dt.datetime | None = None
    end: AttemptEnd | None = None
    down: bool = False  # teardown confirmed
    note: str | None = None
    gpus: int
    infra: str | None = None  # cloud/region SkyPilot placed it on, as `sky.status` reported
    counted: bool = True  # False for a launch refused for want of capacity: retried without limit

    @property
    def held_s(self) -> float | None:
        """Node time as the orchestrator saw it (launch request to confirmed end)."""
        return None if self.ended is None else (self.ended - self.started).total_seconds()


class TaskState(_Frozen):
    task_id: str
    phase: Phase = Phase.PENDING
    attempts: list[Attempt] = Field(default_factory=list)
    seeds_done: list[int] = Field(default_factory=list)  # records copied back into the fan-out folder
    not_before: dt.datetime | None = None  # a relaunch waits (no capacity) until then
    budget_from: int = 0  # attempts before this index were spent by an earlier run of the command

    @property
    def current(self) -> Attempt | None:
        return self.attempts[-1] if self.attempts else None

    @property
    def gpu_hours(self) -> float:
        return sum((a.held_s or 0.0) * a.gpus for a in self.attempts) / 3600.0


class FanoutState(_Frozen):
    schema_version: int = FANOUT_SCHEMA_VERSION
    fanout_id: str
    created: dt.datetime
    updated: dt.datetime
    tasks: dict[str, TaskState]
    # cloud -> SkyPilot's effective remote_identity when the last run launched: NO_UPLOAD everywhere
    # unless --allow-credential-upload overrode the check (then the nodes held credentials).
    remote_identity: dict[str, str] = Field(default_factory=dict)

    def with_task(self, task: TaskState, now: dt.datetime) -> FanoutState:
        return self.model_copy(update={"tasks": {**self.tasks, task.task_id: task}, "updated": now})
