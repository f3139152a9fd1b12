"""Fakes and builders shared by the runner's unit tests: manifests, options, a scripted child
process for pgolf.runner.proc, and a docker client at our seam (RunningContainer's calls only)."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from pgolf.manifest import Manifest, parse_manifest
from pgolf.runner.clock import NS_PER_S, FakeClock
from pgolf.runner.hook import HOOK_DIR
from pgolf.runner.model import (
    Artifacts,
    DataLocation,
    EnvFingerprint,
    ProcessOutcome,
    RunOptions,
    RunSpec,
    SeedRecord,
    SeedStatus,
    StampedLine,
    StopReason,
    Timing,
    TraceSummary,
    TrainingProgress,
)

BASELINE_LOG = """\
Hyperparameters:
  seed: 42
model_params:458752
warmup_step:1/3
warmup_step:3/3
step:1/200 train_loss:6.2738 train_time:300ms step_avg:300.00ms
step:25/200 train_loss:2.9042 train_time:7500ms step_avg:300.00ms
stopping_early: wallclock_cap train_time:10000ms step:33/200
Serialized model int8+zlib: 451742 bytes (payload:464384 raw_torch:470061 payload_ratio:3.95x)
Code size: 28044 bytes
Total submission size int8+zlib: 479786 bytes
final_int8_zlib_roundtrip val_loss:2.4563 val_bpb:1.6186 eval_time:2000ms
final_int8_zlib_roundtrip_exact val_loss:2.45625100 val_bpb:1.61855567
total_eval_time:2.0s
"""

# Seconds since the seed start at which each BASELINE_LOG line arrives.
BASELINE_TIMES = [2.0, 2.0, 3.0, 3.5, 4.0, 5.3, 12.5, 15.0, 15.4, 15.4, 15.5, 17.5, 17.5, 17.6]


def stamped(text: str, times: list[float], t0_ns: int = 0) -> list[StampedLine]:
    start = dt.datetime(2026, 5, 2, tzinfo=dt.UTC)
    return [
        StampedLine(t_ns=t0_ns + int(t * NS_PER_S), wall=start + dt.timedelta(seconds=t), text=line)
        for line, t in zip(text.splitlines(), times, strict=True)
    ]


def make_manifest(**overrides: Any) -> Manifest:
    data: dict[str, Any] = {
        "name": "toy",
        "local_folder": "submissions/toy",
        "track": "10min_16mb",
        "dataset": {"variant": "synth", "train_shards": 1, "vocab_size": 512},
        "seeds": [1, 2],
        "nproc_per_node": 1,
        "env": {"ITERATIONS": "5"},
        "budget": {"train_seconds": 10, "eval_seconds": 10, "slack_seconds": 5},
    }
    data.update(overrides)
    return parse_manifest(data)


def make_source(root: Path) -> Path:
    source = root / "source"
    source.mkdir(parents=True, exist_ok=True)
    (source / "train_gpt.py").write_text("print('hello')\n", encoding="utf-8")
    (source / "README.md").write_text("# toy\n", encoding="utf-8")
    return source


def make_data(root: Path) -> DataLocation:
    dataset = root / "data" / "datasets" / "fineweb10B_synth512"
    dataset.mkdir(parents=True, exist_ok=True)
    (dataset / "fineweb_train_000000.bin").write_bytes(b"\0" * 1024)
    (dataset / "fineweb_val_000000.bin").write_bytes(b"\0" * 1024)
    tokenizer = root / "data" / "tokenizers" / "fineweb_512_bpe.model"
    tokenizer.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.write_bytes(b"model")
    return DataLocation(variant="synth", dataset_dir=dataset, tokenizer_path=tokenizer, vocab_size=512)


def make_options(root: Path, **overrides: Any) -> RunOptions:
    values: dict[str, Any] = {
        "source_dir": make_source(root),
        "data": make_data(root),
        "out_dir": root / "reports",
        "python": "/usr/bin/python3",
        "hook_dir": HOOK_DIR,
        "host_env": {"PATH": "/usr/bin", "HOME": "/home/me", "AWS_SECRET_ACCESS_KEY": "hunter2"},
    }
    values.update(overrides)
    return RunOptions(**values)


WHEN = dt.datetime(2026, 5, 2, tzinfo=dt.UTC)


def record_for(spec: RunSpec, status: SeedStatus = SeedStatus.OK, score: float | None = 1.2) -> SeedRecord:
    return SeedRecord(
        pgolf_version="0",
        name=spec.name,
        run_id=spec.run_id,
        seed=spec.seed,
        backend=spec.backend,
        isolation="local: process group only",
        status=status,
        exit_code=0 if status is SeedStatus.OK else 1,
        started=WHEN,
        ended=WHEN,
        wall_s=1.0,
        deadline_s=spec.budget.deadline_s,
        process=ProcessOutcome(exit_code=0),
        timing=Timing(wall_s=1.0),
        artifacts=Artifacts(cap_bytes=spec.max_artifact_bytes),
        score_bpb=score,
        progress=TrainingProgress(steps_reached=5, steps_planned=5, stop_reason=StopReason.ITERATIONS),
        fingerprint=EnvFingerprint(),
        trace=TraceSummary(),
    )


# ------------------------------------------------------------------ a child process for proc.spawn


@dataclass
class FakePopen:
    """A scripted child: prints `output`, then exits `returncode` after `runtime_s` on the fake clock.

    `ignores_term` models a rank that ignores SIGTERM: only SIGKILL (through FakeGroup) ends it.
    """

    clock: FakeClock
    output: bytes = b""
    returncode_when_done: int = 0
    runtime_s: float = 1.0
    ignores_term: bool = False
    pid: int = 4242
    returncode: int | None = None
    started_ns: int = 0
    stdout: io.BufferedReader = field(init=False)

    def __post_init__(self) -> None:
        self.started_ns = self.clock.monotonic_ns()
        self.stdout = io.BufferedReader(io.BytesIO(self.output))

    def _finished(self) -> bool:
        if self.returncode is None and self.clock.monotonic_ns() - self.started_ns >= self.runtime_s * NS_PER_S:
            self.returncode = self.returncode_when_done
        return self.returncode is not None

    def poll(self) -> int | None:
        self._finished()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self._finished():
            assert self.returncode is not None
            return self.returncode
        remaining = self.runtime_s - (self.clock.monotonic_ns() - self.started_ns) / NS_PER_S
        if timeout is not None and timeout < remaining:
            self.clock.advance(timeout)
            raise subprocess.TimeoutExpired("fake", timeout)
        self.clock.advance(max(0.0, remaining))
        self._finished()
        assert self.returncode is not None
        return self.returncode

    def signal(self, sig: int) -> None:
        import signal as signals

        if sig == signals.SIGUSR2:  # the warden's "kill everything": the command dies by SIGKILL
            sig = signals.SIGKILL
        dies = sig == signals.SIGKILL or (sig == signals.SIGTERM and not self.ignores_term)
        if dies and self.returncode is None:
            self.returncode = -int(sig)


@dataclass
class FakeWardenReport:
    """What pgolf.runner.proc.WardenReport yields for a FakePopen: a started event, then an exit
    report built from the child's fate (and the survivors a test scripts)."""

    child: FakePopen
    mode: str = "pidns"
    survivors: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def started(self, timeout_s: float) -> dict[str, Any] | None:
        return {"event": "started", "mode": self.mode, "pid": self.child.pid, "sid": self.child.pid}

    def final(self, timeout_s: float) -> dict[str, Any] | None:
        code = self.child.returncode
        killed = code == -9
        status = None if killed else ({"signal": -code} if code is not None and code < 0 else {"code": code})
        return {
            "event": "exit",
            "mode": self.mode,
            "status": status,
            "killed": killed,
            "survivors": [] if killed else self.survivors,
            "survivor_count": 0 if killed else len(self.survivors),
            "notes": [],
        }


# ------------------------------------------------------------------ a docker client at our seam


class FakeNotFound(Exception):
    pass


@dataclass
class FakeContainer:
    clock: FakeClock
    name: str
    runtime_s: float = 1.0
    exit_code: int = 0
    ignores_term: bool = False
    log_chunks: list[bytes] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=lambda: {"State": {"OOMKilled": False}})
    calls: list[str] = field(default_factory=list)
    started_ns: int = 0
    status: int | None = None
    removed: bool = False

    def __post_init__(self) -> None:
        self.started_ns = self.clock.monotonic_ns()

    def _check(self) -> int | None:
        if self.status is None and (self.clock.monotonic_ns() - self.started_ns) >= self.runtime_s * NS_PER_S:
            self.status = self.exit_code
        return self.status

    def wait(self, *, timeout: float) -> dict[str, Any]:
        self.calls.append("wait")
        if self._check() is not None:
            return {"StatusCode": self.status, "Error": None}
        self.clock.advance(timeout)
        if self._check() is not None:
            return {"StatusCode": self.status, "Error": None}
        # what docker-py raises when the HTTP read times out: the container is still running
        raise requests.exceptions.ReadTimeout("read timed out")

    def logs(self, **kwargs: Any) -> Iterator[bytes]:
        self.calls.append(f"logs stream={kwargs.get('stream')} timestamps={kwargs.get('timestamps')}")
        yield from self.log_chunks

    def kill(self, signal: str | None = None) -> None:
        self.calls.append(f"kill {signal}")
        if signal == "SIGKILL" or (signal == "SIGTERM" and not self.ignores_term):
            self.status = 137 if signal == "SIGKILL" else 143

    def remove(self, *, force: bool = False) -> None:
        self.calls.append(f"remove force={force}")
        self.removed = True

    def reload(self) -> None:
        self.calls.append("reload")


@dataclass
class FakeImage:
    id: str = "sha256:" + "ab" * 32
    attrs: dict[str, Any] = field(default_factory=lambda: {"RepoDigests": ["pg@sha256:" + "cd" * 32]})


class FakeContainers:
    def __init__(self, client: FakeClient) -> None:
        self.client = client

    def run(self, image: str, command: list[str] | None = None, **kwargs: Any) -> Any:
        self.client.run_calls.append({"image": image, "command": command, **kwargs})
        if kwargs.get("remove"):  # the preflight probe: returns its output
            return self.client.probe_output
        if self.client.fail_start is not None:
            name = str(kwargs["name"])
            self.client.created[name] = FakeContainer(self.client.clock, name)  # created, then start failed
            raise self.client.fail_start
        container = self.client.next_container or FakeContainer(self.client.clock, str(kwargs["name"]))
        container.started_ns = self.client.clock.monotonic_ns()
        self.client.created[str(kwargs["name"])] = container
        return container

    def get(self, container_id: str) -> FakeContainer:
        import docker.errors

        container = self.client.created.get(container_id)
        if container is None or container.removed:
            raise docker.errors.NotFound(f"no such container: {container_id}")
        return container


class FakeImages:
    def __init__(self, client: FakeClient) -> None:
        self.client = client

    def get(self, name: str) -> FakeImage:
        import docker.errors

        if self.client.image is None:
            raise docker.errors.ImageNotFound(f"no such image: {name}")
        return self.client.image


@dataclass
class FakeVolume:
    name: str
    options: dict[str, Any]
    removed: bool = False

    def remove(self, force: bool = False) -> None:
        self.removed = True


class FakeVolumes:
    """volumes.create/get as docker-py has them; every call is recorded."""

    def __init__(self) -> None:
        self.created: dict[str, FakeVolume] = {}
        self.calls: list[str] = []

    def create(self, name: str | None = None, **kwargs: Any) -> FakeVolume:
        assert name is not None
        self.calls.append(f"create {name}")
        volume = FakeVolume(name, kwargs)
        self.created[name] = volume
        return volume

    def get(self, volume_id: str) -> FakeVolume:
        import docker.errors

        self.calls.append(f"get {volume_id}")
        volume = self.created.get(volume_id)
        if volume is None or volume.removed:
            raise docker.errors.NotFound(f"no such volume: {volume_id}")
        return volume


class FakeClient:
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.containers = FakeContainers(self)
        self.images = FakeImages(self)
        self.volumes = FakeVolumes()
        self.host_info: dict[str, Any] = {"MemTotal": 2000 << 30, "NCPU": 192}
        self.image: FakeImage | None = FakeImage()
        self.run_calls: list[dict[str, Any]] = []
        self.created: dict[str, FakeContainer] = {}
        self.next_container: FakeContainer | None = None
        self.fail_start: BaseException | None = None
        self.probe_output = (
            b"NVIDIA H100 80GB HBM3, 580.126.09\n"
            b'PGOLF_PROBE {"python": "3.12.3", "torch": "2.9.1+cu128", "cuda": "12.8", '
            b'"gpu_count": 8, "gpu_model": "NVIDIA H100 80GB HBM3"}\n'
        )

    def ping(self) -> bool:
        return True

    def info(self) -> dict[str, Any]:
        return self.host_info
