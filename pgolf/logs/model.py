"""The parsed form of one training/evaluation log (ENVIRONMENT.md §3). Line numbers are 1-based."""

from __future__ import annotations

from enum import StrEnum
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class At(BaseModel, Generic[T]):
    """A value and the log line it was read from (the evidence for any finding built on it)."""

    model_config = ConfigDict(frozen=True)

    value: T
    line: int
    text: str  # the line after prefix stripping, truncated to 300 characters


class LogRole(StrEnum):
    TRAIN = "train"  # trains (stop line or train steps) and usually evaluates
    EVAL_ONLY = "eval_only"  # evaluates a saved artifact: no training steps
    RERUN = "rerun"  # a second run of a seed that has another log (name says rerun/repro/...)
    REFERENCE = "reference"  # a parent submission's log kept for comparison (reference/, parent/, baseline/)
    UNKNOWN = "unknown"  # no training and no score: a partial, crashed or unrelated log


class MetricLine(BaseModel):
    """`<label> val_loss:X val_bpb:Y [eval_time:Nms]` and its variants (regex catalog §3.3)."""

    model_config = ConfigDict(frozen=True)

    label: str
    val_loss: float
    val_bpb: float
    eval_time_ms: float | None = None
    line: int
    text: str
    diagnostic: bool = False  # label matches the §3.4 step-2 diagnostic prefixes
    disputed: bool = False  # label of a disputed family: final_ngram, final_slot, ppm_*, two_pass, hedge


class FinalScore(BaseModel):
    """The reported score chosen by the §3.4 algorithm."""

    model_config = ConfigDict(frozen=True)

    label: str
    val_bpb: float  # the 8-decimal `_exact` value where a sibling exists
    val_loss: float
    eval_time_ms: float | None
    line: int  # the line the value was taken from
    text: str
    collapsed_from: str | None = None  # label of the compatibility duplicate that re-printed it


class StopLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    train_time_ms: int
    step: int
    total_steps: int
    line: int
    text: str


class SizeKind(StrEnum):
    TOTAL = "total"  # Total submission size <fmt>: N bytes (the unsuffixed one is raw fp: fmt None)
    MODEL = "model"  # Serialized model <fmt>: N bytes
    CODE = "code"  # Code size: N bytes (old) or Code size (compressed): N bytes (new)
    CODE_UNCOMPRESSED = "code_uncompressed"  # Code size (uncompressed): N bytes


class SizeLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: SizeKind
    fmt: str | None
    bytes: int
    line: int
    text: str


class CurvePoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: int
    train_time_ms: float | None
    loss: float
    val_bpb: float | None = None


class NgramHints(BaseModel):
    """`ngram_tilt:hints total=N gated=N token_gate=N within_gate=N word_gate=N agree2plus=N`."""

    model_config = ConfigDict(frozen=True)

    total: int
    gated: int | None = None
    token_gate: int | None = None
    within_gate: int | None = None
    word_gate: int | None = None
    agree2plus: int | None = None
    line: int
    text: str


class NgramPrecompute(BaseModel):
    """`ngram_tilt:precompute[_outside_timer]_done elapsed=Xs total_targets=N`."""

    model_config = ConfigDict(frozen=True)

    elapsed_s: float
    outside_timer: bool
    total_targets: int | None = None
    line: int
    text: str


class PhaseMark(StrEnum):
    """Lines that open or close a phase of a run; pgolf.runner.phases puts its own clock on them.

    The other phase boundaries are facts parsed anyway (stop line, GPTQ lines, total size, TTT
    compile done, final score, total_eval_time): their `line` fields serve the same purpose.
    """

    WARMUP_START = "warmup_start"  # first `warmup_cu_buckets` / `(loop_)warmup_step: 1/N` line
    WARMUP_END = "warmup_end"  # last `(loop_)warmup_step: N/N` line
    TRAIN_START = "train_start"  # first step-1 train line or step-0 validation line
    LAST_TRAIN_STEP = "last_train_step"  # the last train-step line
    CAP_TRAIN_STEP = "cap_train_step"  # the last train-step line at step == total (iteration cap)
    CAP_VAL_STEP = "cap_val_step"  # the last periodic-validation line at step == total
    TTT_COMPILE_START = "ttt_compile_start"  # `ttt_lora:warming up compile`
    EVAL_TIMER = "eval_timer"  # `beginning TTT eval timer`: where the counted evaluation starts


class ParsedLog(BaseModel):
    """Everything pgolf reads from one log. Absent facts are None / empty, never guessed."""

    path: str  # relative to the submission folder
    role: LogRole
    seed: At[int] | None = None
    seed_source: str | None = None  # "filename", "seed line", "hyperparameters"
    hyperparameters: dict[str, At[str]] = Field(default_factory=dict)
    metrics: list[MetricLine] = Field(default_factory=list)  # periodic validation excluded
    final: FinalScore | None = None
    stop: StopLine | None = None
    sizes: list[SizeLine] = Field(default_factory=list)
    train_shards: At[int] | None = None
    dataset_path: At[str] | None = None  # datasets_dir / data_path / train_loader:dataset:<name>
    val_tokens: At[int] | None = None
    max_wallclock_seconds: At[float] | None = None
    gptq_reserve_effective_ms: At[int] | None = None
    gptq_hessians: At[int] | None = None  # number of Hessians collected
    gptq_hessian_seconds: At[float] | None = None
    gptq_calibration: At[str] | None = None  # the gptq:calibrating/generating line, as a source hint
    # Where the calibration tokens came from, per a tagged gptq line: training, self-generated,
    # random, validation, none (the last tagged line wins).
    gptq_source: At[str] | None = None
    total_eval_time_s: At[float] | None = None
    ttt_compile_warmup_s: At[float] | None = None
    ngram_hints: NgramHints | None = None
    ngram_precompute: list[NgramPrecompute] = Field(default_factory=list)
    ngram_precompute_excluded: At[str] | None = None  # "(precompute time excluded from eval)"
    eval_timer_start: At[str] | None = None  # the first "beginning TTT eval timer"-style line
    ttt_phased_total_docs: At[int] | None = None
    world_size: At[int] | None = None
    grad_accum_steps: At[int] | None = None
    step_avg_ms: float | None = None  # the last step_avg seen (old format) or derived from train steps
    planned_steps: int | None = None  # M of the last `N/M` step line: the step count the script planned
    python_version: At[str] | None = None
    torch_version: At[str] | None = None
    cuda_version: At[str] | None = None
    driver_version: At[str] | None = None
    gpu_names: list[At[str]] = Field(default_factory=list)
    serialize_wallclock_s: At[float] | None = None
    artifact_production_wallclock_s: At[float] | None = None
    train_curve: list[CurvePoint] = Field(default_factory=list)
    val_curve: list[CurvePoint] = Field(default_factory=list)
    phase_marks: dict[PhaseMark, int] = Field(default_factory=dict)  # mark -> 1-based line
    source_dump: tuple[int, int] | None = None  # first and last line of the embedded code dump, skipped
    line_count: int = 0
    notes: list[str] = Field(default_factory=list)  # parser remarks: truncated, binary bytes replaced, ...

    def size(self, kind: SizeKind) -> SizeLine | None:
        """The last size line of a kind (the raw-fp `Total` is skipped for TOTAL: see _raw_total)."""
        lines = [s for s in self.sizes if s.kind is kind and not (kind is SizeKind.TOTAL and self._raw_total(s))]
        return lines[-1] if lines else None

    def _raw_total(self, total: SizeLine) -> bool:
        """An unsuffixed `Total submission size: N` sums the raw fp model, unless the model line it
        follows names a compression (`Serialized model rdquant+zstd: N` then `Total submission size:
        N`, #542): then it is that compressed artifact's total."""
        if total.fmt is not None:
            return False
        before = [s for s in self.sizes if s.kind is SizeKind.MODEL and s.line < total.line]
        return not before or before[-1].fmt is None

    @property
    def trains(self) -> bool:
        return self.stop is not None or bool(self.train_curve)
