"""strict_v1: the submission.json schema the CI gate holds new record PRs to (ENVIRONMENT.md §4.4).

The pydantic model here is the source; `pgolf.schemas.generate("submission")` writes the committed
JSON Schema from it. The rest of strict_v1 lives beside it: `constraints` (value formats, the size
cap, `SchemaError`), `semantic` (the cross-field rules a JSON Schema cannot state), `fixes`
(suggested edits) and `validate` (`validate_file` against the *committed* schema). Names that
callers import from here are re-exported in `__all__`. Limits come from the ruleset, never from
literals here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator
from pydantic.config import JsonDict
from pydantic.json_schema import SkipJsonSchema

from pgolf.meta.constraints import (
    DATASET_REPO,
    GITHUB_LOGIN,
    ISO_DATE,
    NOT_BLANK,
    PLACEHOLDER_LOGINS,
    SEED_KEY,
    SchemaError,
    TrackV1,
    artifact_cap,
    is_placeholder_login,
)
from pgolf.meta.fixes import Fix, suggest_fixes
from pgolf.meta.semantic import MEAN_TOLERANCE, semantic_errors
from pgolf.meta.validate import MAX_FILE_BYTES, validate_bytes, validate_file

__all__ = [
    "DATASET_REPO",
    "GITHUB_LOGIN",
    "ISO_DATE",
    "MAX_FILE_BYTES",
    "MEAN_TOLERANCE",
    "NOT_BLANK",
    "PLACEHOLDER_LOGINS",
    "SCHEMA_DIALECT",
    "SCHEMA_ID",
    "SEED_KEY",
    "Count",
    "Fix",
    "NonNegativeFloat",
    "PositiveCount",
    "PositiveFloat",
    "RepoAtRevision",
    "SchemaError",
    "SeedKey",
    "SeedResultV1",
    "SubmissionV1",
    "TrackV1",
    "artifact_cap",
    "is_placeholder_login",
    "semantic_errors",
    "submission_json_schema",
    "suggest_fixes",
    "validate_bytes",
    "validate_file",
]

SCHEMA_ID = "https://pgolf.dev/schemas/submission.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

# Constraints sit on the inner type: pydantic cannot apply them through `X | SkipJsonSchema[None]`.
Count = Annotated[int, Field(ge=0)]
PositiveCount = Annotated[int, Field(ge=1)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
RepoAtRevision = Annotated[str, StringConstraints(pattern=DATASET_REPO)]


def _with_cap(schema: JsonDict) -> None:
    schema["maximum"] = artifact_cap()


def _no_default(schema: JsonDict) -> None:
    # An optional key is absent, not null: the schema shows no `default: null` to invite one.
    schema.pop("default", None)


def _optional(description: str) -> Any:
    return Field(default=None, description=description, json_schema_extra=_no_default)


class _StrictBase(BaseModel):
    # python-re: the GitHub login pattern needs a lookahead, which the default Rust engine lacks.
    model_config = ConfigDict(extra="allow", strict=True, regex_engine="python-re")

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("null is not allowed; leave the key out instead")
        return value


class SeedResultV1(_StrictBase):
    """One seed's final result, as its train log reports it. Only the score is required: the
    significance test and the claim-vs-log check need it; the rest is read from the log anyway."""

    model_config = ConfigDict(title="Per-seed result")

    val_bpb: float = Field(gt=0, lt=10, description="Final validation bits per byte of this seed's run.")
    val_loss: PositiveFloat | SkipJsonSchema[None] = _optional(
        "Final validation loss (nats per token) of this seed's run."
    )
    artifact_bytes: Annotated[int, Field(ge=0, json_schema_extra=_with_cap)] | SkipJsonSchema[None] = _optional(
        "Code bytes plus compressed model bytes of this seed's artifact (the SIZE-CAP rule)."
    )
    steps: Count | SkipJsonSchema[None] = _optional("Training steps completed.")
    train_time_ms: NonNegativeFloat | SkipJsonSchema[None] = _optional("Training wall-clock time in ms.")
    eval_time_ms: NonNegativeFloat | SkipJsonSchema[None] = _optional("Evaluation wall-clock time in ms.")
    log: str | SkipJsonSchema[None] = _optional("Path of this seed's train log, relative to the folder.")

    @field_validator("artifact_bytes")
    @classmethod
    def _under_cap(cls, value: int | None) -> int | None:
        if value is not None and value > artifact_cap():
            raise ValueError(f"{value} bytes is over the {artifact_cap()}-byte cap")
        return value


SeedKey = Annotated[str, StringConstraints(pattern=SEED_KEY)]


class SubmissionV1(_StrictBase):
    """submission.json for a new Parameter Golf record PR (strict_v1). Unknown keys are allowed.

    Required is what the leaderboard shows (name, author, github_id, date, val_bpb) and what the
    checks read (bytes_total for SIZE-CAP, per-seed val_bpb for SIGNIFICANCE and the claim-vs-log
    check); everything else is optional but typed. The track comes from the folder's path.
    """

    model_config = ConfigDict(
        title="Parameter Golf submission.json (strict_v1)",
        json_schema_extra={"$schema": SCHEMA_DIALECT, "$id": SCHEMA_ID},
    )

    author: str = Field(pattern=NOT_BLANK, description="Author's name as shown on the leaderboard.")
    github_id: str = Field(
        pattern=GITHUB_LOGIN, description="The author's GitHub login (letters, digits, single hyphens)."
    )
    name: str = Field(pattern=NOT_BLANK, description="Title of the run.")
    date: str = Field(pattern=ISO_DATE, description="ISO 8601 date (YYYY-MM-DD) or date-time.")
    track: TrackV1 | SkipJsonSchema[None] = _optional(
        "The records track; the folder's path decides it, and this must agree when given."
    )
    val_bpb: float = Field(gt=0, lt=10, description="Headline score: the mean of seed_results val_bpb.")
    val_loss: PositiveFloat | SkipJsonSchema[None] = _optional("Mean validation loss (nats per token) over the seeds.")
    bytes_total: int = Field(
        ge=0,
        description="Artifact size: the max over seeds of code bytes plus compressed model bytes.",
        json_schema_extra=_with_cap,
    )
    seeds: Annotated[list[Count], Field(min_length=1)] | SkipJsonSchema[None] = _optional(
        "The seeds run; each has an entry in seed_results."
    )
    seed_results: dict[SeedKey, SeedResultV1] = Field(
        min_length=1,
        description='Per-seed results keyed by the decimal seed ("42").',
        json_schema_extra={"additionalProperties": False},
    )
    bytes_code: Count | SkipJsonSchema[None] = _optional("Counted code bytes (train_gpt.py as shipped).")
    val_bpb_std: NonNegativeFloat | SkipJsonSchema[None] = _optional("Standard deviation of val_bpb over seeds.")
    hardware: str | SkipJsonSchema[None] = _optional('Hardware the runs used, e.g. "8xH100 80GB SXM".')
    pytorch_version: str | SkipJsonSchema[None] = _optional('PyTorch version, e.g. "2.9.1+cu128".')
    cuda_version: str | SkipJsonSchema[None] = _optional('CUDA version, e.g. "12.8".')
    flash_attn_version: str | SkipJsonSchema[None] = _optional("FlashAttention version used, if any.")
    blurb: str | SkipJsonSchema[None] = _optional("A short description of the approach.")
    dataset: str | SkipJsonSchema[None] = _optional('Dataset variant, e.g. "fineweb10B_sp8192".')
    dataset_repo: RepoAtRevision | SkipJsonSchema[None] = _optional("Dataset source as repo@revision.")
    train_shards: PositiveCount | SkipJsonSchema[None] = _optional("Number of training shards read.")
    val_tokens: PositiveCount | SkipJsonSchema[None] = _optional("Number of validation tokens scored.")
    score_line: str | SkipJsonSchema[None] = _optional(
        'Label of the log line that carries the score, e.g. "quantized_ttt_phased".'
    )

    @field_validator("bytes_total")
    @classmethod
    def _under_cap(cls, value: int) -> int:
        if value > artifact_cap():
            raise ValueError(f"{value} bytes is over the {artifact_cap()}-byte cap")
        return value

    @model_validator(mode="after")
    def _cross_field(self) -> SubmissionV1:
        errors = semantic_errors(self.model_dump(mode="json", exclude_none=True))
        if errors:
            raise ValueError("; ".join(f"{e.pointer}: {e.message}" for e in errors))
        return self


def submission_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) generated from SubmissionV1, as committed."""
    return SubmissionV1.model_json_schema()
