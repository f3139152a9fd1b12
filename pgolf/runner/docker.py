"""The docker backend (docker SDK): the pinned image, GPUs by device request, read-only submission and
data, one writable output folder, no network, under our own deadline.

The seam for tests is the client object: `DockerBackend(client=fake)`. Only these calls are used:
client.ping / images.get / containers.run / containers.get, and container.wait / logs / kill /
remove / reload / attrs. The SDK's HTTP timeout is never the rule clock: `container.wait(timeout=)`
raises requests' ReadTimeout (docker/docker-py#933), which means "still running" here, and we
poll it against our own Deadline.
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Protocol

from pgolf.errors import EnvironmentMissing, UsageError
from pgolf.manifest import Manifest
from pgolf.runner import fingerprint
from pgolf.runner.capture import LineCapture, LineSink, no_sink
from pgolf.runner.clock import SYSTEM_CLOCK, Clock, Deadline
from pgolf.runner.defaults import runner_defaults
from pgolf.runner.model import (
    BackendName,
    ContainerSpec,
    DataLocation,
    EnvFingerprint,
    Mount,
    ProcessOutcome,
    RunOptions,
    RunSpec,
    SeedRecord,
)
from pgolf.runner.placement import ProcessPaths
from pgolf.runner.record import Execution, finalize, stage
from pgolf.runner.trace import TraceClock

_LOG_JOIN_S = 10.0
_SIGNAL_EXIT_BASE = 128  # a container killed by signal N exits 128 + N


class ContainerLike(Protocol):
    attrs: dict[str, Any]

    def wait(self, *, timeout: float) -> dict[str, Any]: ...

    def logs(self, **kwargs: Any) -> Iterator[bytes]: ...

    def kill(self, signal: str | None = None) -> None: ...

    def remove(self, *, force: bool = False) -> None: ...

    def reload(self) -> None: ...


class ContainersLike(Protocol):
    def run(self, image: str, command: list[str], **kwargs: Any) -> Any: ...

    def get(self, container_id: str) -> ContainerLike: ...


class ImagesLike(Protocol):
    def get(self, name: str) -> Any: ...


class VolumeLike(Protocol):
    def remove(self, force: bool = False) -> None: ...


class VolumesLike(Protocol):
    def create(self, name: str | None = None, **kwargs: Any) -> Any: ...

    def get(self, volume_id: str) -> VolumeLike: ...


class ClientLike(Protocol):
    # read-only members: a fake's own collection types then satisfy them structurally
    @property
    def containers(self) -> ContainersLike: ...

    @property
    def images(self) -> ImagesLike: ...

    @property
    def volumes(self) -> VolumesLike: ...

    def ping(self) -> bool: ...

    def info(self) -> dict[str, Any]: ...


def connect() -> ClientLike:
    """docker.from_env(), or EnvironmentMissing (exit 3) saying what to do."""
    try:
        # import_module, not `import docker`: the repository's docker/ folder (Dockerfiles) is a
        # namespace package that type checkers would resolve instead of the SDK.
        sdk: Any = importlib.import_module("docker")
    except ImportError as exc:
        raise EnvironmentMissing("the docker SDK is not installed: pip install -e '.[runner]'") from exc
    try:
        client: ClientLike = sdk.from_env()
        client.ping()
    except sdk.errors.DockerException as exc:
        raise EnvironmentMissing(
            f"Docker daemon not reachable ({exc}): start Docker or set DOCKER_HOST, or use --backend local"
        ) from exc
    return client


def _errors() -> Any:
    return importlib.import_module("docker.errors")


def _still_running_errors() -> tuple[type[BaseException], ...]:
    import requests

    return (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError)


@dataclass(frozen=True)
class HostFacts:
    """What the daemon's host has (docker info): the base of the "90%" limits."""

    memory_bytes: int | None = None
    cpus: int | None = None

    @classmethod
    def of(cls, info: dict[str, Any]) -> HostFacts:
        memory, cpus = info.get("MemTotal"), info.get("NCPU")
        return cls(memory if isinstance(memory, int) else None, cpus if isinstance(cpus, int) else None)


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def _amount(text: str, total: int | None, unit: bool) -> float | None:
    """ "none" -> None; "90%" -> 90% of total (None when the total is unknown); "1500g" -> bytes."""
    text = text.strip().lower()
    if text in ("", "none"):
        return None
    if text.endswith("%"):
        return total * float(text[:-1]) / 100 if total is not None else None
    if unit and text[-1] in _UNITS:
        return float(text[:-1]) * _UNITS[text[-1]]
    return float(text)


@dataclass(frozen=True)
class Resources:
    """A container's limits as docker takes them, resolved against the host."""

    mem_bytes: int | None
    nano_cpus: int | None

    @classmethod
    def of(cls, container: ContainerSpec, host: HostFacts) -> Resources:
        memory = _amount(container.memory, host.memory_bytes, unit=True)
        cpus = _amount(container.cpus, host.cpus, unit=False)
        return cls(int(memory) if memory else None, int(cpus * 1e9) if cpus else None)


def _gib(value: int) -> str:
    return f"{value / (1 << 30):,.1f} GiB"


def isolation_of(container: ContainerSpec, resources: Resources | None = None) -> str:
    """The record's one-line statement of what held the run."""
    parts = ["docker", "network none" if container.network_none else "network bridge", "ro mounts"]
    if container.read_only_root:
        parts.append("read-only root")
    if container.cap_drop:
        parts.append(f"cap_drop {','.join(container.cap_drop)}")
    if container.no_new_privileges:
        parts.append("no-new-privileges")
    parts.append(f"user {container.user or 'image default'}")
    if container.pids_limit:
        parts.append(f"pids {container.pids_limit}")
    if resources is not None:
        parts.append(f"memory {_gib(resources.mem_bytes) if resources.mem_bytes else 'unlimited'}")
        parts.append(f"cpus {resources.nano_cpus / 1e9:g}" if resources.nano_cpus else "cpus unlimited")
    if container.output_mount_options:
        parts.append(f"output {container.output_mount_options}")
    return parts[0] + ": " + ", ".join(parts[1:])


def output_volume_name(container: ContainerSpec) -> str:
    return f"{container.name}-out"


def _volumes(container: ContainerSpec, output_volume: str | None) -> dict[str, dict[str, str]]:
    volumes = {}
    for m in container.mounts:
        # the writable output folder goes through a local-driver volume that carries nosuid,nodev
        key = output_volume if output_volume is not None and not m.read_only else str(m.source)
        volumes[key] = {"bind": m.target, "mode": "ro" if m.read_only else "rw"}
    return volumes


def output_volume_options(container: ContainerSpec) -> dict[str, Any] | None:
    """volumes.create() arguments for the output folder: a bind with nosuid,nodev (None: plain bind)."""
    writable = [m for m in container.mounts if not m.read_only]
    if not container.output_mount_options or len(writable) != 1:
        return None
    return {
        "name": output_volume_name(container),
        "driver": "local",
        "driver_opts": {
            "type": "none",
            "device": str(writable[0].source),
            "o": f"bind,{container.output_mount_options}",
        },
        "labels": container.labels,
    }


def run_kwargs(
    spec: RunSpec,
    container: ContainerSpec,
    command: list[str],
    resources: Resources | None = None,
    output_volume: str | None = None,
) -> dict[str, Any]:
    """containers.run() arguments for a seed (a pure function, unit-tested)."""
    types: Any = importlib.import_module("docker.types")
    DeviceRequest, Ulimit = types.DeviceRequest, types.Ulimit

    kwargs: dict[str, Any] = {
        "command": command,
        "detach": True,
        "name": container.name,
        "labels": container.labels,
        "environment": spec.env,
        "working_dir": container.workdir,
        "shm_size": container.shm_size,
        "volumes": _volumes(container, output_volume),
        "init": True,  # tini as PID 1: forwards SIGTERM to torchrun and reaps orphans
        # NCCL pins host memory and needs a large stack (NVIDIA's container guidance).
        "ulimits": [Ulimit(name="memlock", soft=-1, hard=-1), Ulimit(name="stack", soft=67108864, hard=67108864)],
        # Hardening: the run needs no capability, no privilege gain, no write outside /out and tmpfs.
        "cap_drop": list(container.cap_drop),
        "read_only": container.read_only_root,
        "tmpfs": dict(container.tmpfs),
    }
    if container.no_new_privileges:
        kwargs["security_opt"] = ["no-new-privileges:true"]
    if container.pids_limit:
        kwargs["pids_limit"] = container.pids_limit
    if resources is not None and resources.mem_bytes:
        kwargs["mem_limit"] = resources.mem_bytes
        kwargs["memswap_limit"] = resources.mem_bytes  # no swap on top: the limit is the limit
    if resources is not None and resources.nano_cpus:
        kwargs["nano_cpus"] = resources.nano_cpus
    if container.network_none:
        kwargs["network_mode"] = "none"
    if container.user is not None:
        kwargs["user"] = container.user
    if container.gpus == "all":
        kwargs["device_requests"] = [DeviceRequest(count=-1, capabilities=[["gpu"]])]
    elif container.gpus != "none":
        kwargs["device_requests"] = [DeviceRequest(device_ids=list(container.gpus), capabilities=[["gpu"]])]
    return kwargs


def container_command(spec: RunSpec) -> list[str]:
    """The launch command; setup steps go first in one shell so they share the container. All of it
    under coreutils' timeout at pgolf's deadline plus a margin: the container stops itself even if
    pgolf dies (pgolf's own deadline comes first otherwise)."""
    command = spec.command
    if spec.setup:
        steps = "\n".join(shlex.join(step) for step in spec.setup)
        command = ["/bin/sh", "-c", f"set -e\n{steps}\nexec {shlex.join(spec.command)}\n"]
    inner = spec.budget.deadline_s + spec.budget.term_grace_s + runner_defaults().docker.inner_deadline_margin_seconds
    grace = max(1.0, spec.budget.term_grace_s)
    return ["timeout", "--kill-after", f"{grace:.0f}s", f"{inner:.0f}s", *command]


class RunningContainer:
    """One seed's container: created and started, logs streamed by a thread, and removed on every
    exit path unless kept for debugging (STYLE.md practice 10)."""

    def __init__(
        self,
        client: ClientLike,
        spec: RunSpec,
        container: ContainerSpec,
        capture: LineCapture,
        resources: Resources | None = None,
    ) -> None:
        self._client = client
        self._spec = spec
        self._container_spec = container
        self._capture = capture
        self._resources = resources
        self._volume: str | None = None
        self.container: ContainerLike | None = None
        self._logs: threading.Thread | None = None
        self.term_sent = False
        self.kill_sent = False
        self.notes: list[str] = []

    def __enter__(self) -> RunningContainer:
        errors = _errors()
        self._remove_by_name()  # a leftover from an interrupted attempt would block the name
        try:
            self._volume = self._create_output_volume()
            self.container = self._client.containers.run(
                self._container_spec.image,
                **run_kwargs(
                    self._spec, self._container_spec, container_command(self._spec), self._resources, self._volume
                ),
            )
        except BaseException as exc:
            self._remove_by_name()  # run() may have created it before start failed
            self._remove_volume()
            if isinstance(exc, errors.ImageNotFound | errors.APIError):
                raise EnvironmentMissing(f"cannot start container {self._container_spec.name}: {exc}") from exc
            raise
        self._logs = threading.Thread(target=self._stream, name="pgolf-docker-logs", daemon=True)
        self._logs.start()
        return self

    def _stream(self) -> None:
        assert self.container is not None
        try:
            for chunk in self.container.logs(stream=True, follow=True, stdout=True, stderr=True, timestamps=True):
                self._capture.feed(chunk)
        except Exception as exc:  # the daemon went away mid-run: the record says so
            self.notes.append(f"log stream ended early: {type(exc).__name__}: {exc}")

    def wait(self, deadline: Deadline, poll_s: float) -> int | None:
        assert self.container is not None
        still_running = _still_running_errors()
        while not deadline.expired:
            try:
                result = self.container.wait(timeout=max(0.1, min(poll_s, deadline.remaining_s())))
            except still_running:
                continue
            return int(result.get("StatusCode", -1))
        return None

    def stop(self, grace_s: float, clock: Clock) -> int | None:
        assert self.container is not None
        self._kill("SIGTERM")
        self.term_sent = True
        code = self.wait(Deadline.after(clock, grace_s), poll_s=min(grace_s, 1.0))
        if code is None:
            self._kill("SIGKILL")
            self.kill_sent = True
            code = self.wait(Deadline.after(clock, 60.0), poll_s=5.0)
        return code

    def _kill(self, sig: str) -> None:
        assert self.container is not None
        try:
            self.container.kill(signal=sig)
        except _errors().APIError as exc:  # already stopped: nothing to kill
            self.notes.append(f"kill {sig}: {exc}")

    def oom_killed(self) -> bool:
        if self.container is None:
            return False
        try:
            self.container.reload()
        except _errors().APIError:
            return False
        return bool(self.container.attrs.get("State", {}).get("OOMKilled"))

    def _remove_by_name(self) -> None:
        errors = _errors()
        try:
            self._client.containers.get(self._container_spec.name).remove(force=True)
        except errors.NotFound:
            pass
        except errors.APIError as exc:
            self.notes.append(f"could not remove {self._container_spec.name}: {exc}")
        self._remove_volume(output_volume_name(self._container_spec))

    def _create_output_volume(self) -> str | None:
        """The output folder as a local-driver bind volume mounted nosuid,nodev (plain binds cannot be)."""
        options = output_volume_options(self._container_spec)
        if options is None:
            return None
        self._client.volumes.create(**options)
        return str(options["name"])

    def _remove_volume(self, name: str | None = None) -> None:
        """Removing the volume unmounts nothing on the host: its files stay in the seed folder."""
        name = name or self._volume
        if name is None:
            return
        errors = _errors()
        try:
            self._client.volumes.get(name).remove(force=True)
        except errors.NotFound:
            return
        except errors.APIError as exc:
            self.notes.append(f"could not remove volume {name}: {exc}")

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.container is None:
            return
        try:
            if exc is not None and not (self.kill_sent or self.term_sent):
                self._kill("SIGKILL")  # interrupted or our error: never leave it running
        finally:
            if self._logs is not None:
                self._logs.join(timeout=_LOG_JOIN_S)
            if self._container_spec.keep:
                self.notes.append(f"container {self._container_spec.name} kept (--keep-container)")
            else:
                try:
                    self.container.remove(force=True)
                except _errors().APIError as remove_error:
                    self.notes.append(f"remove failed: {remove_error}")
                self._remove_volume()


def _signal_of(code: int | None, box: RunningContainer) -> int | None:
    if code is None or code <= _SIGNAL_EXIT_BASE or box.term_sent or box.kill_sent:
        return None
    return code - _SIGNAL_EXIT_BASE


_DOCKER_NAME = re.compile(r"[^a-zA-Z0-9_.-]")
IMAGE_SHIM_DIR = "/opt/pgolf/shim"  # where docker/Dockerfile.* copies the SDPA shim
IMAGE_PREFLIGHT = "/opt/pgolf/preflight.py"  # where docker/Dockerfile.* copies docker/preflight.py
_PREFLIGHT_MARK = "PGOLF_PREFLIGHT"


def _trust_on_first_use(ref: str, image_id: str) -> list[str]:
    """A tag is mutable: the id it names now is recorded (user lock) and said in the run's evidence."""
    if "@sha256:" in ref or ref.startswith("sha256:"):
        return []
    from pgolf.images import record_user_image

    where = record_user_image(ref, image_id)
    return [f"warning: image {ref} is not pinned by digest: trusted on first use as {image_id} (recorded in {where})"]


class DockerPlacement:
    """Mount points inside the container; the image's own environment and torchrun; the container spec."""

    def paths(self, seed_dir: Path, data: DataLocation, options: RunOptions) -> ProcessPaths:
        d = runner_defaults().docker
        tokenizer = None
        if data.tokenizer_path is not None:
            tokenizer = f"{d.data_mount}/tokenizer/{data.tokenizer_path.name}"
        return ProcessPaths(
            workdir=f"{d.output_mount}/work",
            dataset=f"{d.data_mount}/dataset",
            tokenizer=tokenizer,
            artifacts=f"{d.output_mount}/artifacts",
            trace=f"{d.output_mount}/trace",
            cache=f"{d.output_mount}/cache",
            home=f"{d.output_mount}/home",
            hook=d.hook_mount,
            shim=None if options.shim_dir is None else IMAGE_SHIM_DIR,  # the image's copy (docker/Dockerfile.*)
        )

    def host_env(self, options: RunOptions) -> dict[str, str]:
        return {}  # a container has its own PATH/HOME; host values would be wrong there

    def launcher(self, options: RunOptions) -> list[str]:
        return list(runner_defaults().docker.launcher)

    def container(
        self, manifest: Manifest, options: RunOptions, data: DataLocation, seed_dir: Path, seed: int
    ) -> ContainerSpec | None:
        d = runner_defaults().docker
        image = options.image or manifest.image
        if image is None and manifest.image_name is not None:
            from pgolf.images import image_reference

            image = image_reference(manifest.image_name)  # the lock's image id, a user pin, or the tag
        if image is None:
            raise UsageError(f"manifest {manifest.name} has no image; set `image` or pass --image for --backend docker")
        run_id = seed_dir.parent.name
        mounts = [
            Mount(source=options.source_dir, target=d.submission_mount, read_only=True),
            Mount(source=seed_dir / "out", target=d.output_mount, read_only=False),
            Mount(source=data.dataset_dir, target=f"{d.data_mount}/dataset", read_only=True),
            Mount(source=options.hook_dir, target=d.hook_mount, read_only=True),
        ]
        if data.tokenizer_path is not None:
            mounts.append(Mount(source=data.tokenizer_path.parent, target=f"{d.data_mount}/tokenizer", read_only=True))
        limits = manifest.limits
        return ContainerSpec(
            image=image,
            name=_DOCKER_NAME.sub("-", f"pgolf-{run_id}-{seed}"),
            labels={"pgolf.run_id": run_id, "pgolf.seed": str(seed), "pgolf.name": manifest.name},
            mounts=mounts,
            workdir=f"{d.output_mount}/work",
            shm_size=options.shm_size or d.shm_size,
            gpus=options.gpus,
            network_none=options.network_none,
            keep=options.keep_container,
            user=container_user(options.user, d.run_as),
            memory=limits.memory or d.memory,
            cpus=limits.cpus or d.cpus,
            pids_limit=limits.pids or d.pids_limit,
            tmpfs=dict(d.tmpfs),
            output_mount_options=d.output_mount_options,
        )


def container_user(caller: str | None, run_as: str) -> str:
    """The caller's uid:gid, so outputs stay theirs; never root: a root caller gets the image's user."""
    if caller is None or caller.split(":", 1)[0] in ("0", "root", ""):
        return run_as
    return caller


class DockerBackend:
    name: ClassVar[BackendName] = "docker"

    def __init__(self, client: ClientLike | None = None, clock: Clock = SYSTEM_CLOCK, poll_s: float = 2.0) -> None:
        self._client = client
        self._clock = clock
        self._poll_s = poll_s
        self.fingerprint = EnvFingerprint(image="?", image_digest="?", notes=["preflight not run"])

    def client(self) -> ClientLike:
        if self._client is None:
            self._client = connect()
        return self._client

    def preflight(self, spec: RunSpec) -> EnvFingerprint:
        """The image must be present (pinned, pulled beforehand); GPUs visible when requested."""
        container = _container_of(spec)
        client = self.client()
        try:
            image = client.images.get(container.image)
        except _errors().ImageNotFound as exc:
            raise EnvironmentMissing(
                f"image {container.image} is not present: pull it (docker pull) or build it (make image)"
            ) from exc
        digests = list(image.attrs.get("RepoDigests") or [])
        digest = str(digests[0] if digests else image.id)
        notes = _trust_on_first_use(container.image, str(image.id))
        probe_cmd = (
            f"{shlex.join(fingerprint.NVIDIA_SMI_QUERY)} 2>/dev/null; python3 -c {shlex.quote(fingerprint.PROBE)}"
        )
        if spec.preflight is not None:  # docker/preflight.py, baked into the image, each line marked
            args = shlex.join(["python3", IMAGE_PREFLIGHT, *spec.preflight.args()])
            probe_cmd += f"; {args} 2>&1 | sed 's/^/{_PREFLIGHT_MARK} /'"
        kwargs = run_kwargs(spec, container, ["/bin/sh", "-c", probe_cmd], self.resources(container))
        for key in ("detach", "name", "labels", "volumes", "working_dir"):
            kwargs.pop(key, None)
        raw = client.containers.run(container.image, remove=True, labels={"pgolf.probe": "1"}, **kwargs)
        output = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        probe = fingerprint.parse_probe(output)
        marks = (fingerprint.PROBE_MARK, _PREFLIGHT_MARK)
        smi = "\n".join(line for line in output.splitlines() if not line.startswith(marks))
        checks = [line[len(_PREFLIGHT_MARK) + 1 :] for line in output.splitlines() if line.startswith(_PREFLIGHT_MARK)]
        failed = next((line for line in checks if line.startswith("preflight failed:")), None)
        if failed is not None:
            raise EnvironmentMissing(f"{failed} (inside {container.image})")
        if spec.preflight is not None:
            notes.append(f"preflight ok inside the image: {shlex.join(spec.preflight.args())}")
        self.fingerprint = fingerprint.build(probe, smi, container.image, digest, notes)
        if container.gpus != "none" and self.fingerprint.gpu_count == 0:
            raise EnvironmentMissing(
                f"no GPU visible inside {container.image}: install the NVIDIA container toolkit, "
                "or run a CPU image with --gpus none"
            )
        return self.fingerprint

    def run(self, spec: RunSpec, sink: LineSink = no_sink) -> SeedRecord:
        stage(spec)
        hand_over(spec.out_dir, _container_of(spec).user)
        return finalize(spec, self.execute(spec, sink))

    def resources(self, container: ContainerSpec) -> Resources:
        """The container's limits against the daemon's host (a "90%" of an unknown total is no limit)."""
        try:
            host = HostFacts.of(self.client().info())
        except Exception:  # an old daemon or a proxy without /info: amounts still apply, shares do not
            host = HostFacts()
        return Resources.of(container, host)

    def execute(self, spec: RunSpec, sink: LineSink = no_sink) -> Execution:
        container = _container_of(spec)
        client = self.client()
        resources = self.resources(container)
        clock = self._clock
        t0_ns, started = clock.monotonic_ns(), clock.utc_now()
        deadline = Deadline.after(clock, spec.budget.deadline_s)
        with (
            LineCapture(spec.raw_log, spec.stamped_log, clock, sink) as capture,
            RunningContainer(client, spec, container, capture, resources) as box,
        ):
            launch_ns = clock.monotonic_ns()
            code = box.wait(deadline, self._poll_s)
            timed_out = code is None
            if timed_out:
                capture.note(f"deadline of {spec.budget.deadline_s:.0f}s reached: SIGTERM to the container")
                code = box.stop(spec.budget.term_grace_s, clock)
            exit_ns = clock.monotonic_ns()
            if box.oom_killed():
                box.notes.append("the kernel's OOM killer stopped the container")
        outcome = ProcessOutcome(
            exit_code=code,
            signal=_signal_of(code, box),
            timed_out=timed_out,
            term_sent=box.term_sent,
            kill_sent=box.kill_sent,
            containment="container",
            disk_full=capture.disk_full,
            notes=[*box.notes, *capture.notes()],
        )
        return Execution(
            outcome=outcome,
            lines=capture.lines,
            t0_ns=t0_ns,
            launch_ns=launch_ns,
            exit_ns=exit_ns,
            started=started,
            ended=clock.utc_now(),
            isolation=isolation_of(container, resources),
            fingerprint=self.fingerprint,
            # A daemon's clock may not be ours (another host, a time namespace): wall time is shared.
            trace_clock=TraceClock("wall", t0_ns, started.timestamp()),
        )


def hand_over(out_dir: Path, user: str | None) -> None:
    """As root, give the staged output folder to the container's non-root user, so the run can
    write there (and nothing else: its files stay non-root on the host). Links are not followed."""
    if user is None or os.geteuid() != 0:
        return
    try:
        uid, gid = (int(part) for part in user.split(":", 1))
    except ValueError:
        return  # a user name: the image resolves it; we cannot chown to it
    if uid == 0:
        return
    for root, dirs, files in os.walk(out_dir, followlinks=False):
        for name in [*dirs, *files]:
            os.lchown(os.path.join(root, name), uid, gid)  # noqa: PTH118 - os.walk hands out strings
    os.lchown(out_dir, uid, gid)


def _container_of(spec: RunSpec) -> ContainerSpec:
    if spec.container is None:
        raise UsageError(f"seed {spec.seed} was planned for the {spec.backend} backend, not docker")
    return spec.container
