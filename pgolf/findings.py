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


class Suppression(BaseModel):
    """An accepted exception to a finding. The finding stays in every report, marked with this."""

    model_config = ConfigDict(frozen=True)

    reason: str
    source: str = Field(
        description="where it was written: a config file and key, `file:line` of an inline comment, or a CLI option"
    )
    applied: bool = Field(
        default=True,
        description="False when requested but not honoured here (e.g. an inline comment in the PR the CI gate judges)",
    )

    def render(self) -> str:
        if self.applied:
            return f"suppressed: {self.reason} [{self.source}]"
        return f"suppression requested, not applied: {self.reason} [{self.source}]"


class Evidence(BaseModel):
    """One fact a verdict rests on: where, what was measured, against which limit."""

    model_config = ConfigDict(frozen=True)

    location: Location
    note: str
    measured: Scalar = None
    limit: Scalar = None
    suppressed: Suppression | None = Field(default=None, description="set by an inline comment at this location")


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
    suppressed: Suppression | None = Field(
        default=None, description="an accepted exception: the status is kept as found, the verdict no longer counts it"
    )

    @property
    def counted_status(self) -> Status:
        """The status the verdict and the exit code count: an applied suppression turns WARN, FAIL or
        ERROR into PASS (the result itself keeps the status it was found with)."""
        if self.suppressed is not None and self.suppressed.applied and self.status.severity > Status.PASS.severity:
            return Status.PASS
        return self.status


def verdict(results: Iterable[CheckResult]) -> Status:
    """A folder's status: the worst counted status, skipped checks aside (PASS when none ran)."""
    return worst(s for s in (r.counted_status for r in results) if s is not Status.SKIP)


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
