"""The backend interface and the registry (STYLE.md practice 1).

`preflight` checks the machine once per reproduction and returns its fingerprint; it raises
EnvironmentMissing (exit 3) with a remedy when the backend cannot work here. `run` executes one
seed and never raises for the submission's own failures: exit codes, crashes and timeouts go into
the SeedRecord. It does raise KeyboardInterrupt after cleaning up, and EnvironmentMissing when the
machine fails mid-run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Protocol

from pgolf.runner.capture import LineSink
from pgolf.runner.model import BackendName, EnvFingerprint, RunOptions, RunSpec, SeedRecord
from pgolf.runner.placement import Placement


class Backend(Protocol):
    name: ClassVar[BackendName]

    def preflight(self, spec: RunSpec) -> EnvFingerprint: ...

    def run(self, spec: RunSpec, sink: LineSink) -> SeedRecord: ...


def _local(options: RunOptions) -> Backend:
    from pgolf.runner.local import LocalBackend

    return LocalBackend()


def _docker(options: RunOptions) -> Backend:
    from pgolf.runner.docker import DockerBackend

    return DockerBackend()


# Factories, so choosing `local` never imports the docker SDK.
BACKENDS: dict[BackendName, Callable[[RunOptions], Backend]] = {"local": _local, "docker": _docker}


def placement_for(backend: BackendName) -> Placement:
    """The backend's placement (paths, launcher, host env, container), for the pure planner."""
    if backend == "docker":
        from pgolf.runner.docker import DockerPlacement

        return DockerPlacement()
    from pgolf.runner.local import LocalPlacement

    return LocalPlacement()
