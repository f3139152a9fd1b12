"""The docker backend against a fake client at our seam: every lifecycle path removes the container."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import docker.errors
import pytest

from pgolf.errors import EnvironmentMissing, UsageError
from pgolf.runner import docker as docker_backend
from pgolf.runner.clock import FakeClock
from pgolf.runner.docker import DockerBackend, container_command, run_kwargs
from pgolf.runner.model import RunSpec, SeedStatus
from pgolf.runner.plan import plan

from .runner_fakes import BASELINE_LOG, FakeClient, FakeContainer, make_manifest, make_options

IMAGE = "pg@sha256:" + "e" * 64


def _spec(tmp_path: Path, **options: Any) -> RunSpec:
    manifest = make_manifest(image=IMAGE, setup=options.pop("setup", []))
    return plan(manifest, make_options(tmp_path, backend="docker", term_grace_s=20, **options)).specs[0]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> FakeClient:
    return FakeClient(clock)


def _container(client: FakeClient, clock: FakeClock, spec: RunSpec, **kw: Any) -> FakeContainer:
    assert spec.container is not None
    container = FakeContainer(clock, spec.container.name, **kw)
    client.next_container = container
    return container


def test_run_arguments_request_gpus_shm_ro_mounts_and_no_network(tmp_path: Path) -> None:
    spec = _spec(tmp_path, user="1000:1000")
    assert spec.container is not None
    kwargs = run_kwargs(spec, spec.container, spec.command)
    assert kwargs["detach"] is True and kwargs["init"] is True
    assert kwargs["name"] == spec.container.name
    assert kwargs["labels"]["pgolf.seed"] == "1"
    assert kwargs["network_mode"] == "none"
    assert kwargs["shm_size"] == spec.container.shm_size
    assert kwargs["user"] == "1000:1000"
    assert kwargs["working_dir"] == "/out/work"
    request = kwargs["device_requests"][0]
    assert request["Count"] == -1 and request["Capabilities"] == [["gpu"]]
    modes = {v["bind"]: v["mode"] for v in kwargs["volumes"].values()}
    assert modes == {
        "/submission": "ro",
        "/out": "rw",
        "/data/dataset": "ro",
        "/pgolf-hook": "ro",
        "/data/tokenizer": "ro",
    }
    assert kwargs["environment"]["DATA_PATH"] == "/data/dataset"


def test_gpu_ids_none_and_network_options(tmp_path: Path) -> None:
    spec = _spec(tmp_path, gpus=["0", "3"], network_none=False)
    assert spec.container is not None
    kwargs = run_kwargs(spec, spec.container, spec.command)
    assert kwargs["device_requests"][0]["DeviceIDs"] == ["0", "3"]
    assert "network_mode" not in kwargs
    cpu = _spec(tmp_path / "cpu", gpus="none")
    assert cpu.container is not None
    assert "device_requests" not in run_kwargs(cpu, cpu.container, cpu.command)
    assert docker_backend.isolation_of(spec.container).startswith("docker: network bridge, ro mounts")


def test_setup_steps_run_in_the_same_container_before_exec(tmp_path: Path) -> None:
    spec = _spec(tmp_path, setup=[["gcc", "-O3", "a b.c"]])
    command = container_command(spec)
    assert command[4:6] == ["/bin/sh", "-c"]
    assert "gcc -O3 'a b.c'\nexec torchrun --standalone" in command[6]
    # deadline 25 s + grace 20 s + the 120 s margin: the container stops itself if pgolf is gone
    assert container_command(_spec(tmp_path / "plain")) == [
        "timeout",
        "--kill-after",
        "20s",
        "165s",
        "torchrun",
        "--standalone",
        "--nproc_per_node=1",
        "train_gpt.py",
    ]


def test_a_normal_exit_streams_logs_and_removes_the_container(
    tmp_path: Path, client: FakeClient, clock: FakeClock
) -> None:
    spec = _spec(tmp_path)
    stamp = "2026-05-02T10:00:00.000000000Z "
    chunks = [(stamp + line + "\n").encode() for line in BASELINE_LOG.splitlines()]
    container = _container(client, clock, spec, runtime_s=18, log_chunks=[chunks[0][:7], chunks[0][7:], *chunks[1:]])
    record = DockerBackend(client, clock, poll_s=5).run(spec)
    assert record.status is SeedStatus.OK and record.exit_code == 0
    assert record.isolation.startswith("docker: network none, ro mounts, read-only root, cap_drop ALL")
    assert record.process.containment == "container"
    assert record.score_bpb == pytest.approx(1.61855567)  # anchors and the score survive docker's timestamps
    assert "logs stream=True timestamps=True" in container.calls
    assert container.calls[-1] == "remove force=True" and container.removed
    assert "kill SIGTERM" not in container.calls
    assert record.wall_s == pytest.approx(20, abs=5)  # polled in 5 s steps on our clock


def test_a_timeout_sends_term_then_kill_and_removes(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    spec = _spec(tmp_path)
    container = _container(client, clock, spec, runtime_s=10_000, ignores_term=True)
    record = DockerBackend(client, clock, poll_s=5).run(spec)
    assert record.status is SeedStatus.TIMED_OUT and record.violations == ["deadline-exceeded"]
    kills = [c for c in container.calls if c.startswith("kill")]
    assert kills == ["kill SIGTERM", "kill SIGKILL"]
    assert record.process.term_sent and record.process.kill_sent and record.exit_code == 137
    assert record.process.signal is None  # we sent it: not "killed by someone else"
    assert container.removed


def test_a_container_that_honours_sigterm_is_not_killed(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    spec = _spec(tmp_path)
    container = _container(client, clock, spec, runtime_s=10_000)
    record = DockerBackend(client, clock, poll_s=5).run(spec)
    assert [c for c in container.calls if c.startswith("kill")] == ["kill SIGTERM"]
    assert record.exit_code == 143 and container.removed


def test_read_timeouts_mean_still_running(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    spec = _spec(tmp_path)
    container = _container(client, clock, spec, runtime_s=12)
    record = DockerBackend(client, clock, poll_s=1).run(spec)
    assert container.calls.count("wait") >= 12
    assert record.status is SeedStatus.OK


def test_an_oom_kill_is_killed_not_failed(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    spec = _spec(tmp_path)
    container = _container(client, clock, spec, runtime_s=5, exit_code=137)
    container.attrs = {"State": {"OOMKilled": True}}
    record = DockerBackend(client, clock, poll_s=5).run(spec)
    assert record.status is SeedStatus.KILLED and record.process.signal == 9
    assert "OOM killer" in " ".join(record.process.notes)


def test_an_exception_during_start_removes_the_created_container(
    tmp_path: Path, client: FakeClient, clock: FakeClock
) -> None:
    spec = _spec(tmp_path)
    assert spec.container is not None
    client.fail_start = docker.errors.APIError("could not select device driver with capabilities: [[gpu]]")
    with pytest.raises(EnvironmentMissing, match="could not select device driver"):
        DockerBackend(client, clock).run(spec)
    assert client.created[spec.container.name].removed


def test_an_interrupt_during_start_still_removes(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    spec = _spec(tmp_path)
    assert spec.container is not None
    client.fail_start = KeyboardInterrupt()
    with pytest.raises(KeyboardInterrupt):
        DockerBackend(client, clock).run(spec)
    assert client.created[spec.container.name].removed


def test_an_interrupt_while_running_kills_and_removes(
    tmp_path: Path, client: FakeClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = _spec(tmp_path)
    container = _container(client, clock, spec, runtime_s=10_000)

    def interrupted(self: docker_backend.RunningContainer, deadline: object, poll_s: float) -> int | None:
        raise KeyboardInterrupt

    monkeypatch.setattr(docker_backend.RunningContainer, "wait", interrupted)
    with pytest.raises(KeyboardInterrupt):
        DockerBackend(client, clock).run(spec)
    assert "kill SIGKILL" in container.calls and container.removed


def test_a_stale_container_of_the_same_name_is_removed_first(
    tmp_path: Path, client: FakeClient, clock: FakeClock
) -> None:
    spec = _spec(tmp_path)
    assert spec.container is not None
    stale = FakeContainer(clock, spec.container.name)
    client.created[spec.container.name] = stale
    _container(client, clock, spec, runtime_s=1)
    DockerBackend(client, clock).run(spec)
    assert stale.removed


def test_keep_container_leaves_it_for_debugging(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    spec = _spec(tmp_path, keep_container=True)
    container = _container(client, clock, spec, runtime_s=10_000)
    record = DockerBackend(client, clock, poll_s=5).run(spec)
    assert not container.removed
    assert "kill SIGTERM" in container.calls  # kept, but still stopped at the deadline
    assert any("kept" in note for note in record.process.notes)


def test_preflight_records_the_image_digest_and_gpus(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    backend = DockerBackend(client, clock)
    fp = backend.preflight(_spec(tmp_path))
    assert fp.image == IMAGE and fp.image_digest == "pg@sha256:" + "cd" * 32
    assert (fp.gpu_model, fp.gpu_count, fp.driver, fp.torch) == (
        "NVIDIA H100 80GB HBM3",
        8,
        "580.126.09",
        "2.9.1+cu128",
    )
    probe = client.run_calls[-1]
    assert probe["remove"] is True and probe["network_mode"] == "none" and "name" not in probe


def test_preflight_without_the_image_is_environment_missing(
    tmp_path: Path, client: FakeClient, clock: FakeClock
) -> None:
    client.image = None
    with pytest.raises(EnvironmentMissing, match="not present"):
        DockerBackend(client, clock).preflight(_spec(tmp_path))


def test_preflight_without_visible_gpus_is_environment_missing(
    tmp_path: Path, client: FakeClient, clock: FakeClock
) -> None:
    client.probe_output = b'PGOLF_PROBE {"python": "3.12.3", "torch": "2.9.1+cu128"}\n'
    with pytest.raises(EnvironmentMissing, match="no GPU visible"):
        DockerBackend(client, clock).preflight(_spec(tmp_path))
    assert DockerBackend(client, clock).preflight(_spec(tmp_path / "cpu", gpus="none")).gpu_count == 0


def test_an_unreachable_daemon_is_environment_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable() -> None:
        raise docker.errors.DockerException("Error while fetching server API version: connection refused")

    monkeypatch.setattr("docker.from_env", unreachable)
    with pytest.raises(EnvironmentMissing, match="Docker daemon not reachable"):
        DockerBackend().client()


def test_a_local_spec_is_refused(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    local_spec = plan(make_manifest(), make_options(tmp_path)).specs[0]
    with pytest.raises(UsageError, match="not docker"):
        DockerBackend(client, clock).run(local_spec)


def test_the_preflight_runs_inside_the_image_and_stops_in_seconds(
    tmp_path: Path, client: FakeClient, clock: FakeClock
) -> None:
    spec = _spec(tmp_path)
    assert spec.preflight is not None
    DockerBackend(client, clock).preflight(spec)
    assert "/opt/pgolf/preflight.py" in client.run_calls[-1]["command"][-1]
    client.probe_output += b"PGOLF_PREFLIGHT preflight failed: lrzip: `lrzip -V` exited 127: not found\n"
    with pytest.raises(EnvironmentMissing, match=r"^preflight failed: lrzip: .* \(inside pg@sha256:e+\)$"):
        DockerBackend(client, clock).preflight(spec)


def test_an_image_tag_is_trusted_on_first_use_and_recorded(
    tmp_path: Path, client: FakeClient, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pgolf.images import image_reference, load_catalogue

    monkeypatch.setenv("PGOLF_CACHE", str(tmp_path / "cache"))
    spec = _spec(tmp_path, image="pgolf/pg:cu130-t2110")
    fp = DockerBackend(client, clock).preflight(spec)
    assert any(n.startswith("warning: image pgolf/pg:cu130-t2110 is not pinned by digest") for n in fp.notes)
    recorded = json.loads((tmp_path / "cache" / "images.user-lock.json").read_text("utf-8"))
    assert recorded == {"pgolf/pg:cu130-t2110": client.image.id if client.image else None}
    missing_lock = tmp_path / "no.lock"
    assert image_reference("cu130-t2110", missing_lock) == recorded[load_catalogue().get("cu130-t2110").tag]


# ------------------------------------------------------------------ hardening (issue 13)


def test_every_hardening_setting_reaches_containers_run(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    spec = _spec(tmp_path, user="1000:1000")
    assert spec.container is not None
    _container(client, clock, spec, runtime_s=1)
    record = DockerBackend(client, clock, poll_s=5).run(spec)
    (call,) = [c for c in client.run_calls if not c.get("remove")]
    assert call["cap_drop"] == ["ALL"]
    assert call["security_opt"] == ["no-new-privileges:true"]
    assert call["pids_limit"] == 65536
    assert call["read_only"] is True
    assert call["tmpfs"] == {"/tmp": "rw,nosuid,nodev,size=64g", "/var/tmp": "rw,nosuid,nodev,size=1g"}
    assert call["mem_limit"] == call["memswap_limit"] == int(0.9 * (2000 << 30))  # 90% of the host, no swap
    assert call["nano_cpus"] == 192 * 10**9  # 100% of the host's CPUs
    assert call["user"] == "1000:1000"
    assert call["command"][:2] == ["timeout", "--kill-after"]
    # the writable output folder is a local-driver bind volume mounted nosuid,nodev
    volume_name = f"{spec.container.name}-out"
    assert call["volumes"][volume_name] == {"bind": "/out", "mode": "rw"}
    assert str(spec.out_dir) not in call["volumes"]
    volume = client.volumes.created[volume_name]
    assert volume.options["driver"] == "local"
    assert volume.options["driver_opts"] == {"type": "none", "device": str(spec.out_dir), "o": "bind,nosuid,nodev"}
    assert volume.removed  # removed with the container; the files stay in the seed folder
    assert record.isolation == (
        "docker: network none, ro mounts, read-only root, cap_drop ALL, no-new-privileges, user 1000:1000, "
        "pids 65536, memory 1,800.0 GiB, cpus 192, output nosuid,nodev"
    )


def test_the_probe_container_is_hardened_too(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    DockerBackend(client, clock).preflight(_spec(tmp_path, user="1000:1000"))
    (probe,) = client.run_calls
    assert probe["remove"] is True and probe["cap_drop"] == ["ALL"] and probe["read_only"] is True
    assert probe["security_opt"] == ["no-new-privileges:true"] and probe["pids_limit"] == 65536


def test_a_root_caller_runs_as_the_images_user_never_root(tmp_path: Path) -> None:
    spec = _spec(tmp_path, user="0:0")
    assert spec.container is not None and spec.container.user == "10001:10001"
    assert run_kwargs(spec, spec.container, spec.command)["user"] == "10001:10001"
    assert docker_backend.container_user(None, "10001:10001") == "10001:10001"
    assert docker_backend.container_user("1000:1000", "10001:10001") == "1000:1000"


def test_manifest_limits_override_the_defaults(tmp_path: Path, client: FakeClient) -> None:
    manifest = make_manifest(image=IMAGE, limits={"memory": "512g", "cpus": "32", "pids": 4096})
    spec = plan(manifest, make_options(tmp_path, backend="docker")).specs[0]
    assert spec.container is not None
    resources = docker_backend.Resources.of(spec.container, docker_backend.HostFacts.of(client.info()))
    kwargs = run_kwargs(spec, spec.container, spec.command, resources)
    assert kwargs["mem_limit"] == 512 << 30 and kwargs["nano_cpus"] == 32 * 10**9 and kwargs["pids_limit"] == 4096


def test_shares_of_an_unknown_host_are_no_limit_and_none_means_none(tmp_path: Path) -> None:
    spec = _spec(tmp_path)
    assert spec.container is not None
    unknown = docker_backend.Resources.of(spec.container, docker_backend.HostFacts())
    kwargs = run_kwargs(spec, spec.container, spec.command, unknown)
    assert "mem_limit" not in kwargs and "nano_cpus" not in kwargs
    unlimited = spec.container.model_copy(update={"memory": "none", "cpus": "none"})
    assert docker_backend.Resources.of(unlimited, docker_backend.HostFacts(1 << 40, 8)) == docker_backend.Resources(
        None, None
    )


def test_a_stale_output_volume_is_removed_before_the_run(tmp_path: Path, client: FakeClient, clock: FakeClock) -> None:
    spec = _spec(tmp_path)
    assert spec.container is not None
    stale = client.volumes.create(name=f"{spec.container.name}-out")
    _container(client, clock, spec, runtime_s=1)
    DockerBackend(client, clock, poll_s=5).run(spec)
    assert stale.removed and client.volumes.calls[:2] == [f"create {stale.name}", f"get {stale.name}"]


def test_as_root_the_output_folder_is_handed_to_the_container_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    (out / "work").mkdir(parents=True)
    (out / "work" / "f").write_text("x")
    (out / "link").symlink_to("/etc/passwd")
    calls: list[tuple[str, int, int]] = []
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(os, "lchown", lambda path, uid, gid: calls.append((str(path), uid, gid)))
    docker_backend.hand_over(out, "10001:10001")
    assert {Path(p).name for p, _, _ in calls} == {"out", "work", "f", "link"}  # lchown: the link, not its target
    assert {(uid, gid) for _, uid, gid in calls} == {(10001, 10001)}
    calls.clear()
    docker_backend.hand_over(out, "0:0")
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    docker_backend.hand_over(out, "10001:10001")
    assert calls == []  # never to root, and only root can give files away
