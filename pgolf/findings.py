"""Typed results of checks: what every renderer, the CI gate and the reproducer report consume."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PolicyName = Literal["readme", "leaderboard"]
POLICIES: tuple[PolicyName, ...] = ("readme", "leaderboard")


class Status(StrEnum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    ERROR = "error"

    @property
    def severity(self) -> int:
        return _SEVERITY[self]


_SEVERITY = {Status.SKIP: 0, Status.PASS: 1, Status.WARN: 2, Status.FAIL: 3, Status.ERROR: 4}


def worst(statuses: Iterable[Status]) -> Status:
    """The most severe status, PASS when there is none."""
    return max(statuses, key=lambda s: s.severity, default=Status.PASS)


Scalar = int | float | str | bool | None


class Location(BaseModel):
    """Where a piece of evidence lives. `path` is relative to the submission folder."""

    model_config = ConfigDict(frozen=True)

    path: str | None = None
    line: int | None = None
    json_pointer: str | None = None
    excerpt: str | None = Field(default=None, description="the line as found (log line or source line)")
    decoded_from: str | None = Field(
        default=None, description="set when `line` points into a decoded self-extracting wrapper"
    )

    def render(self) -> str:
        where = self.path or "<submission>"
        if self.line is not None:
            where += f":{self.line}"
        if self.decoded_from:
            where += f" (decoded from {self.decoded_from})"
        if self.json_pointer is not None:
            where += f"#{self.json_pointer}"
        return where


class Evidence(BaseModel):
    """One fact a verdict rests on: where, what was measured, against which limit."""

    model_config = ConfigDict(frozen=True)

    location: Location
    note: str
    measured: Scalar = None
    limit: Scalar = None


class PolicyVerdict(BaseModel):
    """The status under one named policy, for rules where the README and practice differ."""

    model_config = ConfigDict(frozen=True)

    policy: PolicyName
    status: Status
    reason: str


class CheckOutcome(BaseModel):
    """What a check's `run` returns; the catalogue adds identity and timing."""

    status: Status
    message: str
    evidence: list[Evidence] = Field(default_factory=list)
    verdicts: list[PolicyVerdict] = Field(default_factory=list)
    certainty: Literal["certain", "heuristic"] = "certain"


class CheckResult(BaseModel):
    code: str
    slug: str
    rule: str
    status: Status
    message: str
    evidence: list[Evidence] = Field(default_factory=list)
    verdicts: list[PolicyVerdict] = Field(default_factory=list)
    certainty: Literal["certain", "heuristic"] = "certain"
    duration_ms: float = 0.0


class SubmissionReport(BaseModel):
    path: str
    track: str | None
    status: Status
    results: list[CheckResult]
    notes: list[str] = Field(default_factory=list, description="loader notes: skipped files, repairs")


class Report(BaseModel):
    pgolf_version: str
    ruleset: str
    policy: PolicyName
    submissions: list[SubmissionReport]

    @property
    def status(self) -> Status:
        return worst([s.status for s in self.submissions])
