"""Submission manifests (`submissions/<name>.toml`): everything needed to re-run one submission.

A manifest pins what a reproduction runs: the source (a PR head commit and records folder, or a
local folder for the bundled example), the dataset, the run command's environment block, seeds,
image, extra dependencies, setup steps, and the per-seed results the submission claims. It holds
data only; `pgolf.runner.plan` turns it into run specs. Limits come from the ruleset; a manifest
may only set a smaller `budget` (the CPU example does), never a larger one.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pgolf.errors import InputError, UsageError

MANIFEST_DIR = Path("submissions")
SCHEMA_VERSION = 1

_NAME = r"^[a-z0-9][a-z0-9._-]{0,79}$"
_COMMIT = r"^[0-9a-f]{7,40}$"
_REPO = r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
# `name@sha256:<64 hex>`: a tag alone is mutable, so a manifest must pin the digest.
_IMAGE = r"^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$"
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# The runner owns these: it points them at the staged data, the run's output folder and the seed.
# A manifest copied from a README command may still carry them; plan() records the override.
RUNNER_OWNED_ENV = ("DATA_PATH", "TOKENIZER_PATH", "SEED", "RUN_ID", "ARTIFACT_DIR")


Tool = Literal["gcc", "lrzip", "pyminify"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceRef(_Model):
    """Where a PR's code lives: the exporter (pgolf.sources) turns this into a folder."""

    repo: Annotated[str, Field(pattern=_REPO)] = "openai/parameter-golf"
    commit: Annotated[
        str | None, Field(pattern=_COMMIT, description="the PR head commit, hex; None only while listed in `unknown`")
    ] = None
    records_folder: Annotated[str, Field(min_length=1, description="path of the folder inside the repo")]
    content: Annotated[
        str | None,
        Field(
            pattern=r"^sha256:[0-9a-f]{64}$",
            description="digest of the folder's files at `commit` (pgolf.sources.folder_digest): verifies --source",
        ),
    ] = None

    @field_validator("records_folder")
    @classmethod
    def _relative(cls, value: str) -> str:
        if value.startswith("/") or ".." in Path(value).parts:
            raise ValueError("records_folder must be a relative path inside the repository")
        return value


class DatasetSpec(_Model):
    """The data a run reads. `synth` is the generated CPU dataset (pgolf.data.synth)."""

    variant: Annotated[str, Field(min_length=1, description="ruleset data variant (sp1024, ...) or 'synth'")]
    train_shards: Annotated[int, Field(ge=1)]
    vocab_size: Annotated[int | None, Field(ge=2, description="needed for 'synth'; else the variant's")] = None
    tokenizer: str | None = Field(default=None, description="tokenizer file name under <data>/tokenizers/")

    @property
    def synthetic(self) -> bool:
        return self.variant == "synth"


class SeedClaim(_Model):
    """What the submission claims for one seed (submission.json seed_results)."""

    val_bpb: float | None = None
    val_loss: float | None = None
    artifact_bytes: Annotated[int | None, Field(ge=0)] = None


class Budget(_Model):
    """Smaller time budgets than the track's (the CPU example); unset fields use the ruleset."""

    train_seconds: Annotated[float | None, Field(gt=0)] = None
    eval_seconds: Annotated[float | None, Field(gt=0)] = None
    slack_seconds: Annotated[float | None, Field(ge=0, description="setup/compile/teardown allowance")] = None


_AMOUNT = r"^(none|\d+(\.\d+)?%|\d+(\.\d+)?[kmgtKMGT]?)$"


class Limits(_Model):
    """Container resources on the docker backend; unset fields use pgolf/runner/defaults.toml."""

    memory: Annotated[str | None, Field(pattern=_AMOUNT, description="e.g. '1500g', or '90%' of the host")] = None
    cpus: Annotated[str | None, Field(pattern=_AMOUNT, description="e.g. '64', or '100%' of the host's")] = None
    pids: Annotated[int | None, Field(ge=256, description="processes and threads in the container")] = None


class Manifest(_Model):
    schema_version: Literal[1] = 1
    name: Annotated[str, Field(pattern=_NAME, description="file stem; also names the reports folder")]
    pr: Annotated[int | None, Field(ge=1)] = None
    title: str = ""
    source: SourceRef | None = None
    local_folder: str | None = Field(default=None, description="a folder relative to the repository root")
    track: str = Field(description="ruleset track key or alias")
    ruleset: str | None = Field(default=None, description="ruleset id; the newest when unset")
    dataset: DatasetSpec
    entrypoint: Annotated[str, Field(min_length=1)] = "train_gpt.py"
    env: dict[str, str] = Field(default_factory=dict, description="the run command's environment block")
    seeds: Annotated[list[int], Field(min_length=1)]
    nproc_per_node: Annotated[int, Field(ge=1)] = 8
    image: Annotated[str | None, Field(pattern=_IMAGE)] = None
    image_name: str | None = Field(
        default=None, description="the pgolf image (pgolf/resources/images.toml) when `image` pins none"
    )
    requires: list[Tool] = Field(
        default_factory=list, description="programs the run calls; the preflight checks each before training"
    )
    imports: list[str] = Field(
        default_factory=list, description="third-party modules the code imports; the preflight imports each"
    )
    extra_pip: list[str] = Field(
        default_factory=list, description="requirements beyond the image's; installed by the backend before the run"
    )
    extra_apt: list[str] = Field(
        default_factory=list, description="apt packages beyond the image's; installed by the backend before the run"
    )
    setup: list[Annotated[list[str], Field(min_length=1)]] = Field(
        default_factory=list, description="argv lists run in the copied submission folder before training"
    )
    artifact_globs: Annotated[list[str], Field(min_length=1)] = Field(
        default_factory=lambda: ["*.ptz"],
        description="files the run produces that count as the artifact (new or changed files only)",
    )
    code_files: list[str] = Field(default_factory=list, description="counted code; default: the entrypoint")
    claims: dict[int, SeedClaim] = Field(default_factory=dict, description="keyed by seed")
    budget: Budget = Field(default_factory=Budget)
    limits: Limits = Field(default_factory=Limits)
    notes: str = ""
    unknown: list[str] = Field(
        default_factory=list,
        description="facts the manifest's author could not establish; pgolf refuses to run on a guess",
    )

    @field_validator("env")
    @classmethod
    def _env_keys(cls, value: dict[str, str]) -> dict[str, str]:
        bad = [k for k in value if not _ENV_KEY.match(k)]
        if bad:
            raise ValueError(f"not environment variable names: {', '.join(bad)}")
        return value

    @field_validator("seeds")
    @classmethod
    def _unique_seeds(cls, value: list[int]) -> list[int]:
        if len(set(value)) != len(value):
            raise ValueError("seeds repeat")
        return value

    @field_validator("entrypoint", "code_files", "artifact_globs")
    @classmethod
    def _relative_paths(cls, value: str | list[str]) -> str | list[str]:
        for item in [value] if isinstance(value, str) else value:
            if item.startswith("/") or ".." in Path(item).parts:
                raise ValueError(f"{item!r} must be relative to the submission folder")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        if (self.source is None) == (self.local_folder is None):
            raise ValueError("set exactly one of [source] (a PR) or local_folder")
        unknown = sorted(set(self.claims) - set(self.seeds))
        if unknown:
            raise ValueError(f"claims for seeds not in `seeds`: {unknown}")
        if self.dataset.synthetic and self.dataset.vocab_size is None:
            raise ValueError("dataset variant 'synth' needs dataset.vocab_size")
        return self

    @property
    def counted_code(self) -> list[str]:
        return self.code_files or [self.entrypoint]

    def folder(self, repo_root: Path) -> Path | None:
        """The submission folder for a local manifest; None when the source is a PR (export it first)."""
        return None if self.local_folder is None else (repo_root / self.local_folder).resolve()


def manifest_path(name_or_path: str, root: Path | None = None) -> Path:
    """`example`, `1234` (PR number), `pr1234` or a path -> the manifest file."""
    base = (root or Path.cwd()) / MANIFEST_DIR
    direct = Path(name_or_path)
    if direct.suffix == ".toml" or direct.parent != Path():
        return direct
    candidates = [base / f"{name_or_path}.toml"]
    if name_or_path.isdigit():
        candidates += [base / f"pr{name_or_path}.toml", base / f"pr-{name_or_path}.toml"]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if name_or_path.isdigit():
        for candidate in sorted(base.glob("*.toml")):
            if _pr_of(candidate) == int(name_or_path):
                return candidate
    return candidates[0]


def _pr_of(path: Path) -> int | None:
    try:
        pr = tomllib.loads(path.read_text("utf-8")).get("pr")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return pr if isinstance(pr, int) else None


def load_manifest(name_or_path: str, root: Path | None = None) -> Manifest:
    """Load and validate a manifest. Raises UsageError (missing) or InputError (malformed)."""
    path = manifest_path(name_or_path, root)
    if not path.is_file():
        raise UsageError(
            f"no manifest {path}: write submissions/<name>.toml (see submissions/README.md) "
            "or run `pgolf manifest infer`"
        )
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from exc
    return parse_manifest(data, str(path))


def parse_manifest(data: dict[str, object], origin: str = "<manifest>") -> Manifest:
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}" for err in exc.errors()
        )
        raise InputError(f"{origin}: invalid manifest: {problems}") from exc


def with_submission_claims(manifest: Manifest, source_dir: Path) -> Manifest:
    """Fill missing per-seed claims from the submission's own submission.json (read leniently).

    A manifest's claims win; the submission's are what a reproduction is usually judged against.
    """
    from pgolf.folder import load_folder
    from pgolf.meta.lenient import read_submission_json

    result = read_submission_json(load_folder(source_dir, hash_files=False))
    meta = result.meta if result else None
    if meta is None:
        return manifest
    claims = dict(manifest.claims)
    for seed in manifest.seeds:
        found = meta.seed_results.get(seed)
        if seed in claims or found is None:
            continue
        claims[seed] = SeedClaim(
            val_bpb=found.val_bpb.value if found.val_bpb else None,
            val_loss=found.val_loss.value if found.val_loss else None,
            artifact_bytes=found.artifact_bytes.value if found.artifact_bytes else None,
        )
    return manifest.model_copy(update={"claims": claims})
