"""SkySdk translates SkyPilot's answers (recorded shapes, fake_sky.py) into pgolf's states."""

from __future__ import annotations

import importlib
import types
from pathlib import Path
from typing import Any

import pytest

from pgolf.cluster import sky as adapter
from pgolf.cluster.sky import ClusterState, JobState, RequestState, SkySdk
from pgolf.errors import EnvironmentMissing
from pgolf.manifest import load_manifest
from pgolf.runner import proc
from tests.unit.cluster.conftest import ROOT
from tests.unit.cluster.fake_sky import FakeSky, NodeScript

YAML = "name: t\nresources:\n  accelerators: H100:8\nrun: echo\n"


@pytest.fixture
def fake(tmp_path: Path) -> FakeSky:
    return FakeSky(tmp_path, load_manifest("example", ROOT))


def test_launch_asks_for_autodown_after_idleness(fake: FakeSky, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}
    real = fake.launch

    def spy(task: Any, **kwargs: Any) -> str:
        seen.update(kwargs, task=task)
        return real(task, **kwargs)

    monkeypatch.setattr(fake, "launch", spy)
    fake.script("c1", NodeScript())
    request = SkySdk(fake).launch(YAML, "c1", idle_minutes=30)
    assert seen["cluster_name"] == "c1" and seen["down"] is True and seen["idle_minutes_to_autostop"] == 30
    assert seen["retry_until_up"] is False and seen["task"]["resources"]["accelerators"] == "H100:8"
    api = SkySdk(fake)
    assert api.request_state(request) is RequestState.RUNNING
    assert api.request_state(request) is RequestState.SUCCEEDED
    assert api.launch_result(request).job_id == 1
    assert api.request_state("not-a-request") is RequestState.UNKNOWN


def test_launch_errors_become_results(fake: FakeSky) -> None:
    api = SkySdk(fake)
    fake.script("c1", NodeScript(launch_error="no_capacity"), NodeScript(launch_error="invalid"))
    refused = api.launch_result(api.launch(YAML, "c1", idle_minutes=5))
    assert (
        refused.no_capacity and refused.error == "no capacity: Failed to provision all possible launchable resources."
    )
    broken = api.launch_result(api.launch(YAML, "c1", idle_minutes=5))
    assert not broken.no_capacity and broken.error == "InvalidSkyPilotConfigError: Invalid config: accelerators"


def test_clusters_absent_from_status_are_gone_and_jobs_on_them_lost(fake: FakeSky) -> None:
    api = SkySdk(fake)
    fake.script("up", NodeScript(launch_polls=0, job_end=(2, "SUCCEEDED")))
    api.launch(YAML, "up", idle_minutes=5)
    infos = api.clusters(["up", "never"])
    assert infos["up"].state is ClusterState.UP and infos["up"].infra == "RunPod/US"
    assert infos["never"].state is ClusterState.GONE
    assert api.job_state("up", None) == (1, JobState.RUNNING)
    api.clusters(["up"])
    assert api.job_state("up", 1) == (1, JobState.SUCCEEDED)
    assert api.job_state("never", 1) == (1, JobState.LOST)
    api.down("up")
    api.down("up")  # already gone: not an error
    assert api.clusters(["up"])["up"].state is ClusterState.GONE


def test_pull_is_rsync_over_skypilots_ssh_alias(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: FakeSky) -> None:
    seen: list[list[str]] = []

    def run(argv: list[str], **kwargs: Any) -> proc.Completed:
        seen.append(list(argv))
        return proc.Completed(list(argv), 0, "")

    monkeypatch.setattr(proc, "run", run)
    SkySdk(fake).pull("pg-x-pr1-s1", "/pgolf/out", tmp_path / "mirror")
    excludes = ["--exclude=seed-*/out/cache/", "--exclude=seed-*/out/home/"]
    mirror = f"{tmp_path / 'mirror'}/"
    assert seen == [["rsync", "-a", *excludes, "-e", "ssh -o BatchMode=yes", "pg-x-pr1-s1:/pgolf/out/", mirror]]


def test_connect_without_the_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.import_module

    def blocked(name: str, *args: Any) -> Any:
        if name == "sky":
            raise ImportError("No module named 'sky'", name="sky")
        return real(name, *args)

    monkeypatch.setattr(adapter, "importlib", types.SimpleNamespace(import_module=blocked))
    with pytest.raises(EnvironmentMissing, match=r"pip install 'pgolf\[cluster\]'"):
        adapter.connect()
