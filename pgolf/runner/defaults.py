"""pgolf/runner/defaults.toml as a typed model: runner defaults are data, read once."""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict


class DeadlineDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    slack_seconds: float
    term_grace_seconds: float


class DockerDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    shm_size: str
    submission_mount: str
    output_mount: str
    data_mount: str
    hook_mount: str
    launcher: list[str]
    memory: str
    cpus: str
    pids_limit: int
    tmpfs: dict[str, str]
    run_as: str
    output_mount_options: str
    inner_deadline_margin_seconds: float


class EnvDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    allow: list[str]


class WardenDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    mode: Literal["auto", "pidns", "subreaper"]
    settle_seconds: float
    mask: list[str]


class OutputDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    max_line_bytes: int
    memory_bytes: int
    log_bytes: int


class RunnerDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    deadline: DeadlineDefaults
    docker: DockerDefaults
    env: EnvDefaults
    warden: WardenDefaults
    output: OutputDefaults


@cache
def runner_defaults() -> RunnerDefaults:
    text = (resources.files("pgolf.runner") / "defaults.toml").read_text("utf-8")
    return RunnerDefaults.model_validate(tomllib.loads(text))
