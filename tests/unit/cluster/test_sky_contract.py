"""The fake SkyPilot the orchestration tests run against is held to the installed SkyPilot package:
the same status values, the functions and keyword arguments the adapter calls, and recorded payloads
that SkyPilot's own response models accept."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

from pgolf.cluster import sky as adapter
from tests.unit.cluster.skypy import run_sky

RECORDED = Path(__file__).parent / "recorded" / "sky-0.14.1.json"

PROBE = r"""
import inspect, json, sys
import sky
from sky import exceptions
from sky.schemas.api import responses
from sky.server.requests import payloads, requests as requests_lib

recorded = json.load(open(sys.argv[1]))
responses.StatusResponse.model_validate(recorded["status_response"])
payloads.RequestPayload(**recorded["request_payload"])
params = {
    name: sorted(inspect.signature(getattr(sky, name)).parameters)
    for name in ("launch", "status", "job_status", "down", "get", "api_status")
}
print(json.dumps({
    "version": sky.__version__,
    "cluster_statuses": [s.value for s in sky.ClusterStatus],
    "job_statuses": [s.value for s in sky.JobStatus],
    "request_statuses": [s.value for s in requests_lib.RequestStatus],
    "refresh_modes": [s.value for s in sky.StatusRefreshMode],
    "params": params,
    "from_yaml_str": callable(getattr(sky.Task, "from_yaml_str", None)),
    "enabled_clouds": callable(getattr(sky.client.sdk, "enabled_clouds", None)),
    "config_params": sorted(inspect.signature(
        sky.skypilot_config.get_effective_workspace_region_config).parameters),
    "no_upload": [o.value for o in __import__("sky.utils.schemas", fromlist=["x"]).RemoteIdentityOptions],
    "exceptions": [n for n in ("ClusterDoesNotExist", "ClusterNotUpError", "ResourcesUnavailableError")
                   if isinstance(getattr(exceptions, n, None), type)],
}))
"""


def test_recorded_shapes_and_calls_match_the_installed_skypilot() -> None:
    recorded = json.loads(RECORDED.read_text("utf-8"))
    real = run_sky(PROBE, str(RECORDED))  # also validates the recorded payloads with SkyPilot's models
    assert real["version"] == recorded["sky_version"], "re-record the fixtures for the pinned SkyPilot"
    for key in ("cluster_statuses", "job_statuses", "request_statuses", "refresh_modes"):
        assert real[key] == recorded[key], key
    assert real["from_yaml_str"] and real["enabled_clouds"]
    assert {"cloud", "keys", "default_value"} <= set(real["config_params"])
    assert adapter.NO_UPLOAD in real["no_upload"] and adapter.DEFAULT_REMOTE_IDENTITY in real["no_upload"]
    assert real["exceptions"] == ["ClusterDoesNotExist", "ClusterNotUpError", "ResourcesUnavailableError"]
    params = real["params"]
    assert {"task", "cluster_name", "retry_until_up", "idle_minutes_to_autostop", "down"} <= set(params["launch"])
    assert {"cluster_names", "refresh"} <= set(params["status"])
    assert {"cluster_name", "job_ids"} <= set(params["job_status"])
    assert "cluster_name" in params["down"] and "request_id" in params["get"]
    assert "request_ids" in params["api_status"]


def test_adapter_enums_cover_every_skypilot_status() -> None:
    recorded = json.loads(RECORDED.read_text("utf-8"))
    assert set(recorded["cluster_statuses"]) <= {s.value for s in adapter.ClusterState}
    assert set(recorded["job_statuses"]) <= {s.value for s in adapter.JobState}
    assert set(recorded["request_statuses"]) <= {s.value for s in adapter.RequestState}


def test_adapter_calls_only_what_the_docstring_lists() -> None:
    """The module docstring is the contract the probe above checks: keep them in step."""
    source = inspect.getsource(adapter.SkySdk)
    for call in (
        "Task.from_yaml_str",
        "launch(",
        "api_status(",
        "get(",
        "status(",
        "job_status(",
        "down(",
        "enabled_clouds(",
        "get_effective_workspace_region_config(",
    ):
        assert call in source and call.rstrip("(") in (adapter.__doc__ or "")
