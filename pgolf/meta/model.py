"""Normalised submission.json facts, each remembering the JSON pointer it came from."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Claimed(BaseModel, Generic[T]):
    """A claimed value and where in submission.json it was found (RFC 6901 pointer)."""

    model_config = ConfigDict(frozen=True)

    value: T
    pointer: str


class Repair(BaseModel):
    """A mechanical fix the lenient reader applied; every repair is reported, none is silent."""

    model_config = ConfigDict(frozen=True)

    pointer: str
    action: str  # e.g. "stripped UTF-8 BOM", "parsed numeric string", "used alias mean_val_bpb"


class SeedClaim(BaseModel):
    seed: int
    pointer: str  # pointer to this seed's object (or to the seeds list entry)
    val_bpb: Claimed[float] | None = None
    val_loss: Claimed[float] | None = None
    artifact_bytes: Claimed[int] | None = None
    train_time_ms: Claimed[float] | None = None
    eval_time_ms: Claimed[float] | None = None
    steps: Claimed[int] | None = None
    log: Claimed[str] | None = None


class SubmissionMeta(BaseModel):
    """What a submission.json claims, after lenient normalisation."""

    path: str  # relative to the folder (submission.json or submission_*.json)
    author: Claimed[str] | None = None
    github_id: Claimed[str] | None = None
    name: Claimed[str] | None = None
    date: Claimed[str] | None = None
    track: Claimed[str] | None = None  # as written
    val_bpb: Claimed[float] | None = None  # the headline (mean) score
    val_loss: Claimed[float] | None = None
    val_bpb_std: Claimed[float] | None = None
    bytes_total: Claimed[int] | None = None
    bytes_code: Claimed[int] | None = None
    hardware: Claimed[str] | None = None
    pytorch_version: Claimed[str] | None = None
    seeds: list[Claimed[int]] = Field(default_factory=list)
    seed_results: dict[int, SeedClaim] = Field(default_factory=dict)
    repairs: list[Repair] = Field(default_factory=list)
    unknown_keys: list[str] = Field(default_factory=list)


class MetaProblem(BaseModel):
    """Why a submission.json could not be read (or a field could not be used)."""

    model_config = ConfigDict(frozen=True)

    pointer: str
    message: str
    line: int | None = None  # for JSON syntax errors


class MetaReadResult(BaseModel):
    """The lenient reader's answer: `meta` is None only when the file is unusable as JSON."""

    path: str
    meta: SubmissionMeta | None
    problems: list[MetaProblem] = Field(default_factory=list)
