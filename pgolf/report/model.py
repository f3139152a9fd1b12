"""The reproduction report's data (`RunReport`, schema `run-report`): what report.json holds and
what the HTML and Markdown renderers draw from. Nothing here is computed; see build.py.

Conventions:
- "claimed" is the submission's per-seed claim (its submission.json, through the manifest);
  "logged" is what the reproduction's own script printed in this run; "measured" is pgolf's
  external clock and byte count; "budget" is the plan's limit for this run.
- A difference is reproduced - claimed (positive = the reproduction scored worse), also expressed
  in units of the claimed per-seed spread.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pgolf.findings import PolicyName, SubmissionReport
from pgolf.runner.model import DataAccess, EnvFingerprint, PhaseSpan, SocketUse, TrainingProgress
from pgolf.stats import TTest

REPORT_SCHEMA_VERSION = 2

VerdictState = Literal["reproduced", "not_reproduced", "incomplete"]
HEADLINES: dict[VerdictState, str] = {
    "reproduced": "REPRODUCED",
    "not_reproduced": "NOT REPRODUCED",
    "incomplete": "INCOMPLETE",
}


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------------------------- verdict


class ToleranceTest(_Frozen):
    """The stated test behind REPRODUCED / NOT REPRODUCED: a two-sided z-test of the mean difference
    with the claimed per-seed spread as sigma (floored), tolerance in standard errors from the ruleset."""

    claimed_mean: float
    claimed_std: float | None = Field(description="sample std of the claimed per-seed val_bpb; None with one seed")
    sigma: float = Field(description="the spread used: max(claimed_std, sigma_floor)")
    sigma_floor: float
    sigma_source: Literal["claimed", "floor"]
    n_claimed: int
    reproduced_mean: float
    n_reproduced: int
    diff: float = Field(description="reproduced mean - claimed mean (positive = worse)")
    standard_error: float = Field(description="sigma * sqrt(1/n_claimed + 1/n_reproduced)")
    z: float
    tolerance_sigmas: float
    tolerance_bpb: float = Field(description="tolerance_sigmas * standard_error")
    within: bool
    statement: str = Field(description="the test in one sentence, with its numbers")


class SeedAdmission(_Frozen):
    """Whether a seed finished its planned run and its score counts in the reproduced mean."""

    seed: int
    counted: bool
    outcome: Literal["finished", "unfinished", "limit_broken"]
    reason: str | None = None  # why not counted, one line


class Verdict(_Frozen):
    state: VerdictState
    headline: str  # REPRODUCED / NOT REPRODUCED / INCOMPLETE
    reason: str  # one line: what a reviewer reads first
    reasons: list[str] = Field(default_factory=list)  # every reason, the first one included
    exit_code: int
    test: ToleranceTest | None = None
    seeds: list[SeedAdmission] = Field(default_factory=list)
    rule: str = Field(description="the reproduction rule as the ruleset states it")

    @property
    def summary(self) -> str:
        """The CLI's summary line (the banner's first two lines)."""
        return f"{self.headline}: {self.reason}"


# --------------------------------------------------------------------------------------------- per seed


class ScoreComparison(_Frozen):
    claimed: float | None
    reproduced: float | None
    diff: float | None = None  # reproduced - claimed
    diff_in_claimed_std: float | None = None


class TimeComparison(_Frozen):
    measured_s: float | None  # pgolf's clock
    logged_s: float | None  # the script's own line in this run
    budget_s: float | None  # the plan's limit
    delta_s: float | None = None  # measured - logged
    over_budget: bool = False  # measured (else logged) above the budget


class BytesComparison(_Frozen):
    """The artifact under both accountings (pgolf.artifact): as practiced (policy `leaderboard`: the
    code size the run logged + the model it wrote) and as written (policy `readme`: the shipped code
    + the model). `measured` is the one the runner's cap check used."""

    measured: int
    practiced: int | None = None  # logged code size + measured model (None: the run logged no code size)
    written: int | None = None  # shipped code + measured model
    logged: int | None  # the run's own `Total submission size` line
    claimed: int | None  # the submission's per-seed claim
    cap: int
    exceeds_cap: bool
    exceeds_cap_practiced: bool | None = None
    exceeds_cap_written: bool | None = None


class CurvePoint(_Frozen):
    t_s: float  # the script's training clock, seconds
    loss: float


class SeedTrace(_Frozen):
    """What the audit hook saw in this seed's processes."""

    hook_active: bool
    processes: int
    first_opens: list[DataAccess] = Field(default_factory=list)
    opens_by_phase: dict[str, list[str]] = Field(default_factory=dict)
    train_shards_after_stop: list[DataAccess] = Field(default_factory=list)
    val_opened_in_training: list[DataAccess] = Field(default_factory=list)
    sockets: list[SocketUse] = Field(default_factory=list)
    loopback_connects: int = 0


class SeedReport(_Frozen):
    seed: int
    status: str  # the runner's SeedStatus, or "missing"
    admission: SeedAdmission
    score_label: str | None = None
    val_bpb: ScoreComparison
    progress: TrainingProgress | None = None  # this run
    claimed_progress: TrainingProgress | None = None  # the submission's own log for this seed
    claimed_log: str | None = None  # that log, relative to the submission folder
    train: TimeComparison
    eval: TimeComparison
    wall_s: float | None = None
    deadline_s: float | None = None
    phases: dict[str, PhaseSpan] = Field(default_factory=dict)
    bytes: BytesComparison | None = None
    machine: int | None = None  # index into RunReport.environment.machines
    isolation: str | None = None  # what held the run (the record's: pid namespace, container settings...)
    violations: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    curve: list[CurvePoint] = Field(default_factory=list, description="this run's train loss on the script's clock")
    claimed_curve: list[CurvePoint] = Field(default_factory=list, description="the same from the submission's log")
    trace: SeedTrace | None = None
    files: dict[str, str] = Field(default_factory=dict)  # role -> path relative to the run folder


class OverallComparison(_Frozen):
    claimed_seeds: list[int]
    reproduced_seeds: list[int]  # counted seeds only
    claimed_mean: float | None
    claimed_std: float | None
    reproduced_mean: float | None
    reproduced_std: float | None
    val_bpb: ScoreComparison  # on the means
    welch: TTest | None = None  # H1: mean(reproduced) > mean(claimed)
    paired: TTest | None = None  # the same over the seeds both sides have
    significance_note: str


# --------------------------------------------------------------------------------------------- environment


class Declared(_Frozen):
    value: str
    source: str  # file:line, file#/json/pointer or "manifest"


class DeclaredEnv(_Frozen):
    """What the submission states about the environment it ran in."""

    gpu_model: Declared | None = None
    gpu_count: Declared | None = None
    world_size: Declared | None = None
    driver: Declared | None = None
    cuda: Declared | None = None
    torch: Declared | None = None
    python: Declared | None = None
    fa3: Declared | None = None
    image: Declared | None = None


class Machine(_Frozen):
    """One environment the reproduction ran in (several after a merge)."""

    seeds: list[int]
    fingerprint: EnvFingerprint
    world_size: int | None = None  # ranks, as the reproduction's own log printed it
    fa3: str | None = None  # "SDPA shim (pgolf)" when the shim printed its banner


class EnvRow(_Frozen):
    item: str
    declared: str | None
    declared_source: str | None
    reproduced: list[str | None]  # one value per machine, in RunReport.environment.machines order
    status: Literal["match", "differs", "unknown"]


class Deviation(_Frozen):
    kind: Literal["gpu", "image", "torch", "shim", "profile", "data", "backend"]
    detail: str


class Environment(_Frozen):
    machines: list[Machine]
    declared: DeclaredEnv
    rows: list[EnvRow]


# --------------------------------------------------------------------------------------------- provenance


class SourceTree(_Frozen):
    """The submission folder that was run, identified by its git tree id."""

    tree_id: str | None  # git's tree object id of the folder: `git rev-parse COMMIT:FOLDER` prints the same
    files: int = 0
    bytes: int = 0
    commit: str | None = None  # the manifest's commit for a PR
    records_folder: str | None = None
    snapshot: str | None = None  # the copy inside the run folder, relative to it
    not_copied: list[str] = Field(default_factory=list)  # too large for the snapshot (hashed all the same)
    note: str | None = None


class ChecksSection(_Frozen):
    policy: PolicyName
    report: SubmissionReport | None = None
    error: str | None = None


class RunReport(_Frozen):
    schema_version: int = REPORT_SCHEMA_VERSION
    pgolf_version: str
    generated: dt.datetime
    name: str
    title: str = ""
    run_id: str
    pr: int | None
    backend: str
    track: str
    ruleset: str
    merged_from: list[str] = Field(default_factory=list)  # run ids, when `pgolf report merge` built it
    verdict: Verdict
    official: bool
    deviations: list[Deviation] = Field(default_factory=list)
    seeds: list[SeedReport]
    overall: OverallComparison
    environment: Environment
    source: SourceTree
    checks: ChecksSection
    notes: list[str] = Field(default_factory=list)
