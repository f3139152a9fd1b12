"""The one seam over SkyPilot: every `sky` call pgolf makes is here, translated into pgolf's own types.

SkyPilot's client SDK (0.14) is asynchronous: `sky.launch`, `sky.status`, `sky.job_status` and
`sky.down` return a request id at once; `sky.get(request_id)` waits for the result (and re-raises
the request's exception); `sky.api_status([request_id])` says whether a request has finished
without waiting. This adapter only ever waits on requests that are known to be short (status,
job_status, down) or finished (a launch whose request is no longer pending or running), so one
slow provisioning never stalls the others.

Calls used (and checked against the installed package by tests/unit/cluster/test_sky_contract.py):
    sky.Task.from_yaml_str(text)
    sky.launch(task, cluster_name=, retry_until_up=, idle_minutes_to_autostop=, down=) -> request id
    sky.api_status(request_ids) -> [RequestPayload(request_id, status, ...)]
    sky.get(request_id) -> the request's return value: launch -> (job_id, handle);
        status -> [StatusResponse(name, status: ClusterStatus, launched_at, ...)];
        job_status -> {job_id: JobStatus | None}; down -> None
    sky.status(cluster_names=, refresh=StatusRefreshMode.AUTO)
    sky.job_status(cluster_name, job_ids)
    sky.down(cluster_name)
    sky.client.sdk.enabled_clouds() -> request id; sky.get -> [cloud name]
    sky.skypilot_config.get_effective_workspace_region_config(cloud=, keys=("remote_identity",), ...)
    sky.exceptions.ClusterDoesNotExist / ClusterNotUpError / ResourcesUnavailableError

Copy-back is rsync over the SSH access SkyPilot sets up for the launching user (`ssh <cluster>`):
the node needs no credential to hand results back, and the orchestrator needs none beyond it.
`connect()` is the only place the `sky` package is imported: without the `cluster` extra it exits 3.
"""

from __future__ import annotations

import fnmatch
import importlib
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from pgolf.errors import EnvironmentMissing
from pgolf.runner import proc

CLUSTER_EXTRA = "pip install 'pgolf[cluster]'"
_RSYNC_TIMEOUT_S = 1800.0
# A seed folder's compile caches and scratch home (pgolf.runner.model.RunSpec): gigabytes, no evidence.
_NOT_COPIED = ("seed-*/out/cache/", "seed-*/out/home/")


class RequestState(StrEnum):
    PENDING = "PENDING"
    WAITING = "WAITING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    UNKNOWN = "UNKNOWN"  # the API server no longer knows the request (restarted, or pruned)

    @property
    def finished(self) -> bool:
        return self in (RequestState.SUCCEEDED, RequestState.FAILED, RequestState.CANCELLED, RequestState.UNKNOWN)


class ClusterState(StrEnum):
    """sky.ClusterStatus, plus GONE: absent from `sky.status` (terminated, or never created)."""

    INIT = "INIT"
    UP = "UP"
    STOPPED = "STOPPED"
    AUTOSTOPPING = "AUTOSTOPPING"
    PENDING = "PENDING"
    GONE = "GONE"


class JobState(StrEnum):
    """sky.JobStatus (the cluster job queue), plus LOST: the node cannot be asked any more."""

    INIT = "INIT"
    PENDING = "PENDING"
    SETTING_UP = "SETTING_UP"
    RUNNING = "RUNNING"
    FAILED_DRIVER = "FAILED_DRIVER"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    FAILED_SETUP = "FAILED_SETUP"
    CANCELLED = "CANCELLED"
    LOST = "LOST"

    @property
    def terminal(self) -> bool:
        return self not in (JobState.INIT, JobState.PENDING, JobState.SETTING_UP, JobState.RUNNING)


class LaunchResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    job_id: int | None = None
    error: str | None = None
    no_capacity: bool = False  # ResourcesUnavailableError: quota, capacity; worth a later retry


class ClusterInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    state: ClusterState
    launched_at: int | None = None
    infra: str | None = None  # "cloud/region", for the record


class SkyApi(Protocol):
    """What the orchestrator needs from SkyPilot. `SkySdk` is the real one; tests pass a fake."""

    def launch(self, yaml_text: str, cluster: str, *, idle_minutes: int) -> str: ...

    def request_state(self, request_id: str) -> RequestState: ...

    def launch_result(self, request_id: str) -> LaunchResult: ...

    def clusters(self, names: list[str]) -> dict[str, ClusterInfo]: ...

    def job_state(self, cluster: str, job_id: int | None) -> tuple[int | None, JobState]: ...

    def down(self, cluster: str) -> None: ...

    def pull(self, cluster: str, remote_dir: str, local_dir: Path) -> None: ...

    def enabled_clouds(self) -> list[str]: ...

    def remote_identity(self, cloud: str, cluster: str) -> str: ...


# SkyPilot's default for a cloud without `remote_identity` in its config: upload the user's local
# credential files (every cloud's, e.g. ~/.runpod/config.toml with the API key) to every node,
# where the submission's code can read them. Only NO_UPLOAD keeps them off (ANCHORS.md §0 item 8).
DEFAULT_REMOTE_IDENTITY = "LOCAL_CREDENTIALS"
NO_UPLOAD = "NO_UPLOAD"


def _value(status: Any) -> str:
    """An enum member's value (what the SDK returns), or the string itself."""
    return str(getattr(status, "value", status))


class SkySdk:
    """SkyApi over the `sky` package (or a stand-in module with the same names, in tests)."""

    def __init__(self, sky: Any, rsync: str = "rsync") -> None:
        self._sky = sky
        self._rsync = rsync

    def launch(self, yaml_text: str, cluster: str, *, idle_minutes: int) -> str:
        task = self._sky.Task.from_yaml_str(yaml_text)
        # down=True with an idle timer: autodown after `idle_minutes` of idleness, which leaves the
        # orchestrator that long to copy back after the job ends (and tears down a forgotten node).
        request = self._sky.launch(
            task, cluster_name=cluster, retry_until_up=False, idle_minutes_to_autostop=idle_minutes, down=True
        )
        return str(request)

    def request_state(self, request_id: str) -> RequestState:
        payloads = self._sky.api_status([request_id])
        for payload in payloads:
            if str(getattr(payload, "request_id", "")).startswith(request_id):
                try:
                    return RequestState(_value(payload.status))
                except ValueError:
                    return RequestState.UNKNOWN
        return RequestState.UNKNOWN

    def launch_result(self, request_id: str) -> LaunchResult:
        exceptions = self._sky.exceptions
        try:
            job_id, _handle = self._sky.get(request_id)
        except exceptions.ResourcesUnavailableError as exc:
            return LaunchResult(error=f"no capacity: {_first_line(exc)}", no_capacity=True)
        except Exception as exc:  # any failed launch is an outcome to record, not a crash
            return LaunchResult(error=f"{type(exc).__name__}: {_first_line(exc)}")
        return LaunchResult(job_id=None if job_id is None else int(job_id))

    def clusters(self, names: list[str]) -> dict[str, ClusterInfo]:
        refresh = self._sky.StatusRefreshMode.AUTO  # our clusters have autostop set: refreshed from the cloud
        records = self._sky.get(self._sky.status(cluster_names=names, refresh=refresh))
        found: dict[str, ClusterInfo] = {}
        for record in records:
            name = str(record["name"])
            try:
                state = ClusterState(_value(record["status"]))
            except ValueError:
                state = ClusterState.INIT
            cloud, region = _get(record, "cloud"), _get(record, "region")
            found[name] = ClusterInfo(
                name=name,
                state=state,
                launched_at=_get(record, "launched_at"),
                infra="/".join(str(p) for p in (cloud, region) if p) or None,
            )
        return {name: found.get(name, ClusterInfo(name=name, state=ClusterState.GONE)) for name in names}

    def job_state(self, cluster: str, job_id: int | None) -> tuple[int | None, JobState]:
        """The job's state; with job_id None, the cluster's last job (a resumed launch). LOST when the
        cluster is gone or not UP: the node can no longer say."""
        exceptions = self._sky.exceptions
        try:
            statuses = self._sky.get(self._sky.job_status(cluster, None if job_id is None else [job_id]))
        except (exceptions.ClusterDoesNotExist, exceptions.ClusterNotUpError):
            return job_id, JobState.LOST
        if job_id is None:
            job_id = next(iter(statuses), None)
        status = statuses.get(job_id)
        if status is None:
            return job_id, JobState.LOST
        return job_id, JobState(_value(status))

    def down(self, cluster: str) -> None:
        try:
            self._sky.get(self._sky.down(cluster))
        except self._sky.exceptions.ClusterDoesNotExist:
            return

    def pull(self, cluster: str, remote_dir: str, local_dir: Path) -> None:
        """rsync the node's folder into `local_dir` (files land whole: rsync writes a temporary and
        renames it). Raises proc.CommandFailed when the node cannot be reached."""
        local_dir.mkdir(parents=True, exist_ok=True)
        excludes = [f"--exclude={pattern}" for pattern in _NOT_COPIED]
        source = f"{cluster}:{remote_dir.rstrip('/')}/"
        proc.run(
            [self._rsync, "-a", *excludes, "-e", "ssh -o BatchMode=yes", source, f"{local_dir}/"],
            timeout_s=_RSYNC_TIMEOUT_S,
        )

    def enabled_clouds(self) -> list[str]:
        return [str(c).lower() for c in self._sky.get(self._sky.client.sdk.enabled_clouds())]

    def remote_identity(self, cloud: str, cluster: str) -> str:
        """The effective `remote_identity` of `cloud` for `cluster` in the SkyPilot config this client
        loads (~/.sky/config.yaml, workspaces included). AWS/Azure may map cluster-name patterns to
        values; the first pattern matching `cluster` applies, as in SkyPilot's own provisioning."""
        config = self._sky.skypilot_config
        value = config.get_effective_workspace_region_config(cloud=cloud, keys=("remote_identity",), default_value=None)
        if isinstance(value, list):
            matched = [next(iter(m.values())) for m in value if isinstance(m, dict) and _matches(cluster, m)]
            value = matched[0] if matched else None
        if value is None:
            return "SERVICE_ACCOUNT" if cloud in ("kubernetes", "ssh") else DEFAULT_REMOTE_IDENTITY
        return str(value)


def _matches(cluster: str, mapping: dict[str, Any]) -> bool:
    return any(fnmatch.fnmatchcase(cluster, pattern) for pattern in mapping)


def _get(record: Any, key: str) -> Any:
    try:
        return record[key]
    except (KeyError, AttributeError):
        return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:500] if text else type(exc).__name__


def connect() -> SkyApi:
    """The real adapter, or EnvironmentMissing (exit 3) naming the `cluster` extra."""
    try:
        sky = importlib.import_module("sky")
    except ImportError as exc:
        raise EnvironmentMissing(f"`pgolf fanout` needs the cluster extra (SkyPilot): {CLUSTER_EXTRA}") from exc
    proc.which("rsync", "install rsync: finished seeds are copied back with it")
    return SkySdk(sky)
