"""The runner's data: what a reproduction plans (RunSpec, Plan) and what it records (SeedRecord, RunIndex).

Everything here is plain pydantic and JSON-serializable, so a plan can be printed (`--dry-run`), a
record written atomically and read back by the report writer and the dynamic checks. Times inside a
seed are seconds since the process start as measured by our clock (time.monotonic_ns), never the
script's own numbers; the script's numbers sit beside them under `script_*` names.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pgolf.logs.model import ParsedLog
from pgolf.manifest import Manifest, SeedClaim

RECORD_SCHEMA_VERSION = 1
BackendName = Literal["local", "docker"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------------------------- planning


class DataLocation(_Frozen):
    """Staged data on the host, resolved before planning (synthesized, or under --data)."""

    variant: str
    dataset_dir: Path
    tokenizer_path: Path | None = None
    vocab_size: int | None = None


class Mount(_Frozen):
    source: Path  # host path
    target: str  # path inside the container
    read_only: bool = True


class ContainerSpec(_Frozen):
    image: str
    name: str
    labels: dict[str, str]
    mounts: list[Mount]
    workdir: str
    shm_size: str
    gpus: Literal["all", "none"] | list[str] = "all"  # all GPUs, none (a CPU image), or device ids
    network_none: bool = True  # data is staged beforehand, so the run needs no network
    keep: bool = False  # --keep-container: leave it for debugging (still stopped at the deadline)
    user: str | None = None  # uid:gid, so files under the output mount stay the caller's
    # Hardening: amounts as planned ("90%" is resolved against the daemon host when the run starts).
    memory: str = "none"
    cpus: str = "none"
    pids_limit: int | None = None
    read_only_root: bool = True
    tmpfs: dict[str, str] = Field(default_factory=dict)
    cap_drop: list[str] = Field(default_factory=lambda: ["ALL"])
    no_new_privileges: bool = True
    output_mount_options: str = ""  # e.g. "nosuid,nodev": the output folder is mounted through a volume


class RunBudget(_Frozen):
    """Seconds. deadline = train + eval + slack; the track limits come from the ruleset."""

    train_s: float
    eval_s: float
    slack_s: float
    term_grace_s: float

    @property
    def deadline_s(self) -> float:
        return self.train_s + self.eval_s + self.slack_s


class PreflightSpec(_Frozen):
    """What docker/preflight.py checks before the first seed, in seconds, instead of after training."""

    modules: list[str]  # must import
    flash_attn: bool  # flash_attn_interface must import (FA3, or the shim when allowed)
    allow_shim: bool
    tools: list[str]  # programs the run calls (pyminify, lrzip, gcc)
    dists: list[str] = Field(default_factory=list)  # extra_pip distributions that must be installed
    gpus: int  # exact count; -1: not checked (a CPU run)
    capability: str  # "9.0" (H100) or "any"
    torch: str | None = None  # the exact torch.__version__, when the image fixes it

    def args(self) -> list[str]:
        out = ["--gpus", str(self.gpus), "--capability", self.capability, "--modules", ",".join(self.modules)]
        out += ["--tools", ",".join(self.tools)]
        if not self.flash_attn:
            out.append("--no-flash-attn")
        if self.allow_shim:
            out.append("--allow-shim")
        if self.dists:
            out += ["--dists", ",".join(self.dists)]
        if self.torch:
            out += ["--torch", self.torch]
        return out


class RunSpec(_Frozen):
    """One seed of one reproduction, fully resolved: a backend needs nothing else."""

    name: str
    run_id: str
    seed: int
    backend: BackendName
    seed_dir: Path  # host: <out>/<name>/<run_id>/seed-<seed>
    source_dir: Path  # host: the pristine submission folder (copied to seed_dir/work, never written)
    workdir: str  # cwd of the process, as the process sees it
    setup: list[list[str]]
    command: list[str]
    env: dict[str, str]  # the complete environment of the child
    overridden_env: list[str] = Field(default_factory=list)  # manifest keys the runner replaced
    data: DataLocation
    dataset_prefix: str  # the dataset dir as the process sees it (the audit hook filters on it)
    budget: RunBudget
    track: str
    max_artifact_bytes: int
    artifact_globs: list[str]
    code_files: list[str]
    claim: SeedClaim | None = None
    container: ContainerSpec | None = None
    preflight: PreflightSpec | None = None
    extra_pip: list[str] = Field(default_factory=list)  # installed by the backend before the first seed
    extra_apt: list[str] = Field(default_factory=list)  # must be present (local) or in the image (docker)
    site_dir: Path | None = None  # host folder extra_pip is installed into, on the child's PYTHONPATH

    # Layout: the run's writable area is seed_dir/out (the one writable mount in a container); our
    # own logs and the record sit beside it, out of the submission's reach.
    @property
    def out_dir(self) -> Path:
        return self.seed_dir / "out"

    @property
    def work_dir(self) -> Path:
        return self.out_dir / "work"

    @property
    def artifact_dir(self) -> Path:
        return self.out_dir / "artifacts"

    @property
    def trace_dir(self) -> Path:
        return self.out_dir / "trace"

    @property
    def cache_dir(self) -> Path:
        return self.out_dir / "cache"

    @property
    def home_dir(self) -> Path:
        return self.out_dir / "home"

    @property
    def raw_log(self) -> Path:
        return self.seed_dir / "output.log"

    @property
    def stamped_log(self) -> Path:
        return self.seed_dir / "output.jsonl"

    @property
    def record_path(self) -> Path:
        return self.seed_dir / "record.json"


class RunOptions(_Frozen):
    """What the caller decides beyond the manifest. Host facts (env, uid) come in here, so plan() stays pure."""

    backend: BackendName = "local"
    source_dir: Path  # the submission folder: a local_folder, or a PR exported by pgolf.sources
    data: DataLocation | None = None  # None only while computing the default run id
    out_dir: Path = Path("reports")
    run_id: str | None = None
    seeds: list[int] | None = None  # default: the manifest's
    nproc_per_node: int | None = None  # default: the manifest's
    ruleset: str | None = None  # default: the manifest's, else the newest
    python: str = "python3"  # interpreter that runs torch.distributed.run (local backend)
    hook_dir: Path
    host_env: dict[str, str] = Field(default_factory=dict)
    image: str | None = None  # overrides the manifest's (docker backend)
    keep_container: bool = False
    network_none: bool = True
    gpus: Literal["all", "none"] | list[str] = "all"
    user: str | None = None  # uid:gid for the container, so outputs stay deletable by the caller
    slack_s: float | None = None
    term_grace_s: float | None = None
    shm_size: str | None = None
    profile: Literal["official", "smoke"] = "official"  # pgolf.runner.profiles
    deviations: list[str] = Field(default_factory=list)  # what the profile (and --shim) changed
    shim_dir: Path | None = None  # --shim: the SDPA flash_attn_interface stand-in, first on PYTHONPATH
    shared_compile_cache: bool = False  # compile caches kept across seeds (smoke) instead of cold per seed


class Plan(_Frozen):
    """A reproduction: the manifest, the resolved options and one RunSpec per seed."""

    schema_version: int = RECORD_SCHEMA_VERSION
    name: str
    run_id: str
    plan_hash: str  # hash of what decides the result; a re-run with the same hash resumes
    run_dir: Path
    backend: BackendName
    ruleset: str
    track: str
    manifest: Manifest
    specs: list[RunSpec]
    profile: Literal["official", "smoke"] = "official"
    deviations: list[str] = Field(default_factory=list)  # non-empty: the run is not official

    @property
    def official(self) -> bool:
        return not self.deviations


# --------------------------------------------------------------------------------------------- recording


class SeedStatus(StrEnum):
    OK = "ok"  # exited 0
    FAILED = "failed"  # exited non-zero, or setup failed
    TIMED_OUT = "timed_out"  # we stopped it at the deadline
    KILLED = "killed"  # a signal we did not send (OOM killer, the host)


class StampedLine(_Frozen):
    """One output line as it arrived: our monotonic clock, UTC wall time, the text."""

    t_ns: int  # time.monotonic_ns()
    wall: dt.datetime
    text: str


class Survivor(_Frozen):
    """A process of the run still alive after its command exited (and a grace period): killed."""

    pid: int  # as the warden saw it (inside a pid namespace: the namespace's number)
    ppid: int | None = None
    pgid: int | None = None
    sid: int | None = None
    cmdline: str = ""
    host_pid: int | None = None


class Attempt(_Frozen):
    """What a running command leaves on disk (seed-<s>/attempt.json) so that a later attempt can find
    and kill its processes if pgolf died without cleaning up (kill -9, a lost machine)."""

    pgolf_pid: int
    warden_pid: int | None = None
    warden_start_ticks: int | None = None  # with the pid, names one process (pids are reused)
    sid: int | None = None  # the command's session
    token: str | None = None  # PGOLF_RUN_TOKEN in its environment
    containment: str | None = None
    init_pid: int | None = None  # the pid namespace's init, as the host numbers it
    pidns: str | None = None  # "pid:[inode]"
    started: dt.datetime


class ProcessOutcome(_Frozen):
    exit_code: int | None  # None when no exit status could be read (a container that vanished)
    signal: int | None = None  # the signal that ended it, when it died from one
    timed_out: bool = False
    term_sent: bool = False
    kill_sent: bool = False
    group_survivors: bool = False  # a process of the run was alive after it exited (then killed)
    setup_failed: bool = False
    # How the run's processes were held together: "pidns", "pidns+userns", "subreaper" (the
    # warden), "process group" (no warden), "container". None in records written before it existed.
    containment: str | None = None
    survivors: list[Survivor] = Field(default_factory=list)  # described, at most 50
    survivor_count: int = 0  # all of them
    disk_full: bool = False  # a write of ours failed for lack of space (ENOSPC/EDQUOT)
    notes: list[str] = Field(default_factory=list)


class PhaseSpan(_Frozen):
    """A phase between two anchors of ENVIRONMENT.md §5.3, in seconds since the process start."""

    start_s: float
    end_s: float
    duration_s: float
    start_anchor: str  # the line (or event) that opened it
    end_anchor: str
    script_s: float | None = None  # the script's own figure for this phase, where it prints one
    delta_s: float | None = None  # duration_s - script_s


class Timing(_Frozen):
    """External wall time per phase beside the script's own reported times."""

    wall_s: float
    phases: dict[str, PhaseSpan] = Field(default_factory=dict)
    external_train_s: float | None = None  # t(stop line) - t(first train step line)
    external_eval_s: float | None = None  # t(final score line) - t(eval start anchor)
    script_train_s: float | None = None  # stopping_early train_time
    script_eval_s: float | None = None  # eval_time of the final score line
    script_total_eval_s: float | None = None  # total_eval_time
    step_avg_s: float | None = None
    train_delta_s: float | None = None  # external - script
    eval_delta_s: float | None = None


class ArtifactFile(_Frozen):
    path: str  # relative to the seed folder
    bytes: int
    sha256: str | None  # None: larger than the hash limit (measured, not hashed)
    kind: Literal["model", "code"]


class Artifacts(_Frozen):
    """Measured bytes, under both accountings of pgolf.artifact (the one function `pgolf check` uses).

    - as practiced (policy `leaderboard`): the code size the run logged + the model file it wrote;
    - as written (policy `readme`): the shipped entry script + every code file it loads + the model.
    `exceeds_cap` follows the practiced total when the run logged a code size, else the written one;
    both verdicts are kept (`exceeds_cap_practiced`, `exceeds_cap_written`).
    """

    files: list[ArtifactFile] = Field(default_factory=list)
    code_bytes: int = 0  # shipped code: the entry script and the files it loads
    model_bytes: int = 0  # measured: the files the run produced that match the artifact globs
    total_bytes: int = 0  # code_bytes + model_bytes (as written)
    cap_bytes: int
    exceeds_cap: bool = False
    reported_total_bytes: int | None = None  # the log's own `Total submission size`
    practiced_bytes: int | None = None  # logged code size + measured model (None: no code size logged)
    written_bytes: int | None = None  # shipped code + measured model
    logged_code_bytes: int | None = None  # the log's `Code size` (compressed estimate or raw)
    code_count: str | None = None  # what that code size measured (pgolf.artifact.CodeCount)
    logged_model_bytes: int | None = None  # the log's `Serialized model <fmt>: N bytes`
    model_matches_log: bool | None = None  # measured model bytes == logged ones
    practiced_matches_log: bool | None = None  # practiced_bytes == the logged total
    exceeds_cap_practiced: bool | None = None
    exceeds_cap_written: bool | None = None
    uncounted_code: list[str] = Field(default_factory=list)  # loaded code files a logged code size leaves out
    refused: list[str] = Field(default_factory=list)  # matching symlinks, FIFOs...: not followed, not counted


class EnvFingerprint(_Frozen):
    gpu_model: str | None = None
    gpu_count: int = 0
    driver: str | None = None
    cuda: str | None = None
    torch: str | None = None
    python: str | None = None
    fa3: str | None = None  # the FlashAttention-3 distribution (or flash_attn_interface module) the interpreter has
    image: str = "local"  # image reference, or "local"
    image_digest: str = "local"
    host: str | None = None
    notes: list[str] = Field(default_factory=list)


class DataAccess(_Frozen):
    path: str  # relative to the dataset dir
    t_s: float  # seconds since the process start
    phase: str
    rank: str | None = None
    pid: int


class SocketUse(_Frozen):
    event: str  # socket.connect / socket.getaddrinfo
    address: str
    loopback: bool
    t_s: float
    phase: str
    rank: str | None = None
    pid: int


class TraceSummary(_Frozen):
    """What the audit hook saw in every rank: dataset opens and network use, by phase."""

    hook_active: bool = False  # a trace file appeared (the hook ran in at least one process)
    processes: int = 0
    events: int = 0
    opens_by_phase: dict[str, list[str]] = Field(default_factory=dict)  # phase -> distinct files
    first_opens: list[DataAccess] = Field(default_factory=list)  # each file's first open in each phase, by time
    train_shards_after_stop: list[DataAccess] = Field(default_factory=list)
    val_opened_in_training: list[DataAccess] = Field(default_factory=list)
    sockets: list[SocketUse] = Field(default_factory=list)  # non-loopback only, plus a count below
    loopback_connects: int = 0
    dropped_lines: int = 0  # unreadable trace lines (a rank killed mid-write)
    refused_files: list[str] = Field(default_factory=list)  # symlinks, FIFOs... in the trace folder: not read
    truncated: bool = False  # the trace was larger than the read caps: the rest was not read


class StopReason(StrEnum):
    """How training ended, as the run's own log states it."""

    ITERATIONS = "iterations"  # the last step line reached its planned count (N/N)
    WALLCLOCK_CAP = "wallclock_cap"  # a `stopping_early:` line: the script's own time cap stopped it
    NOT_REPORTED = "not_reported"  # neither: the log ends before training did (crash, kill, cut short)


class TrainingProgress(_Frozen):
    """Steps reached against the steps planned, and the stop the log reports (its line as evidence)."""

    steps_reached: int | None = None  # the stop line's step, else the last step line's
    steps_planned: int | None = None  # M of the `N/M` step lines (ITERATIONS)
    stop_reason: StopReason = StopReason.NOT_REPORTED
    stop_line: int | None = None  # 1-based line of the stop (or last step) line in the log
    stop_text: str | None = None
    wallclock_cap_s: float | None = None  # MAX_WALLCLOCK_SECONDS as the log printed it


class SeedRecord(_Frozen):
    schema_version: int = RECORD_SCHEMA_VERSION
    pgolf_version: str
    name: str
    run_id: str
    seed: int
    backend: BackendName
    isolation: str  # "docker: network none, ro mounts" / "local: process group only"
    status: SeedStatus
    exit_code: int | None
    started: dt.datetime
    ended: dt.datetime
    wall_s: float
    deadline_s: float
    process: ProcessOutcome
    timing: Timing
    artifacts: Artifacts
    score_bpb: float | None = None  # the final score line the log printed, whatever happened after
    score_label: str | None = None
    # Whether score_bpb may count (means, tests, verdicts): only a seed that ran to a clean end does.
    # None in records written before it existed: then the status decides (see admissible_score).
    score_admissible: bool | None = None
    claim: SeedClaim | None = None
    parsed_log: ParsedLog | None = None
    parse_note: str | None = None  # why parsed_log is absent
    progress: TrainingProgress | None = None  # None in records written before it existed
    fingerprint: EnvFingerprint
    trace: TraceSummary
    violations: list[str] = Field(default_factory=list)  # slugs; a non-empty list means exit 1
    evidence: list[str] = Field(default_factory=list)  # observations for the checks and the report
    files: dict[str, str] = Field(default_factory=dict)  # role -> path relative to the run folder

    @property
    def admissible_score(self) -> float | None:
        """The score a reproduction may count: a seed that printed a score and then crashed, timed
        out or left processes behind has none."""
        admissible = self.score_admissible if self.score_admissible is not None else self.status is SeedStatus.OK
        return self.score_bpb if admissible else None

    @property
    def passed(self) -> bool:
        return self.status is SeedStatus.OK and self.admissible_score is not None and not self.violations


class SeedEntry(_Frozen):
    seed: int
    state: Literal["pending", "done"]
    status: SeedStatus | None = None
    record: str | None = None  # relative to the run folder
    interrupted_attempts: int = 0


class RunIndex(_Frozen):
    """The run folder's table of contents, rewritten atomically after every seed."""

    schema_version: int = RECORD_SCHEMA_VERSION
    pgolf_version: str
    name: str
    run_id: str
    plan_hash: str
    backend: BackendName
    created: dt.datetime
    updated: dt.datetime
    fingerprint: EnvFingerprint | None = None
    seeds: list[SeedEntry]

    @property
    def complete(self) -> bool:
        return all(entry.state == "done" for entry in self.seeds)


class RunRecord(_Frozen):
    """A run folder read back: the plan, the index and every finished seed (the report's input)."""

    plan: Plan
    index: RunIndex
    seeds: list[SeedRecord]

    @property
    def passed(self) -> bool:
        return self.index.complete and all(record.passed for record in self.seeds)
