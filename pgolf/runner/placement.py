"""Where a run's files are as its processes see them: each backend's placement (its own module).

The planner asks the backend's placement for paths, the launcher, the host variables a child may
see and the container (if any), and never branches on the backend itself (cibuildwheel's
platforms/<os>.py pattern). `LocalPlacement` lives in pgolf.runner.local, `DockerPlacement` in
pgolf.runner.docker, both pure; pgolf.runner.backend.placement_for picks one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from pgolf.manifest import Manifest
from pgolf.runner.model import ContainerSpec, DataLocation, RunOptions


class ProcessPaths(BaseModel):
    """Where things are as the process sees them (host paths locally, mount points in a container)."""

    model_config = ConfigDict(frozen=True)
    workdir: str
    dataset: str
    tokenizer: str | None
    artifacts: str
    trace: str
    cache: str
    home: str | None
    hook: str
    shim: str | None = None
    site: str | None = None  # where extra_pip is installed before the run (a backend that installs them)


class Placement(Protocol):
    def paths(self, seed_dir: Path, data: DataLocation, options: RunOptions) -> ProcessPaths: ...

    def host_env(self, options: RunOptions) -> dict[str, str]: ...

    def launcher(self, options: RunOptions) -> list[str]: ...

    def container(
        self, manifest: Manifest, options: RunOptions, data: DataLocation, seed_dir: Path, seed: int
    ) -> ContainerSpec | None: ...
