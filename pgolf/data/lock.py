"""The data lock file: where each variant comes from, pinned to a commit, with per-file hashes.

`pgolf/resources/data.lock.json` is committed. Per variant it names the Hugging Face dataset repo
and the layout inside it (ENVIRONMENT.md §2.1), and, once `pgolf data pin VARIANT` has run on a
machine that reaches the Hub, the resolved commit sha plus (path, size, sha256) of every file at that
commit (§2.4 steps 1-2). Downloads then use exactly that commit and reject any byte that differs.
"""

from __future__ import annotations

import json
import os
import tempfile
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pgolf.errors import InputError, UsageError

UNRESOLVED = "unresolved"
FileKind = Literal["manifest", "tokenizer", "train", "val", "val_bytes"]


class LockedFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str  # path in the repo at `revision`
    kind: FileKind
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class VariantLock(BaseModel):
    """One dataset variant: its source (hand-written) and its pin (written by `pgolf data pin`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repo_id: str
    repo_type: Literal["dataset"] = "dataset"
    remote_root: str  # the folder that holds manifest.json, datasets/ and tokenizers/
    dataset_dir: str  # = the ruleset's data.variants.<name>.dir
    tokenizer_file: str  # the SentencePiece .model, relative to remote_root
    default_train_shards: int
    shard_tokens: int  # tokens in every train shard but the last (official exports: 10**8)
    byte_sidecar: bool = False  # CaseOps: fineweb_val_bytes_*.bin next to the val shards
    revision: str = UNRESOLVED  # a 40-hex commit sha, or "unresolved"
    resolved_at: str | None = None  # ISO timestamp of the pin
    files: tuple[LockedFile, ...] = ()

    @property
    def pinned(self) -> bool:
        return self.revision != UNRESOLVED and bool(self.files)

    def repo_path(self, relative: str) -> str:
        return f"{self.remote_root}/{relative}" if self.remote_root else relative

    @property
    def dataset_repo_dir(self) -> str:
        return self.repo_path(f"datasets/{self.dataset_dir}")

    @property
    def tokenizer_repo_path(self) -> str:
        return self.repo_path(self.tokenizer_file)

    def locked(self, kind: FileKind) -> list[LockedFile]:
        return sorted((f for f in self.files if f.kind == kind), key=lambda f: f.path)


class DataLock(BaseModel):
    model_config = ConfigDict(extra="forbid")

    lock_version: Literal[1] = 1
    comment: str = ""
    variants: dict[str, VariantLock]

    def variant(self, name: str) -> VariantLock:
        try:
            return self.variants[name]
        except KeyError:
            raise UsageError(f"unknown data variant {name!r}; known: {', '.join(sorted(self.variants))}") from None


def default_lock_path() -> Path:
    """The committed lock inside the package (a source checkout writes it in place)."""
    return Path(str(resources.files("pgolf.resources") / "data.lock.json"))


def load_lock(path: Path | None = None) -> DataLock:
    path = path or default_lock_path()
    try:
        return DataLock.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise InputError(f"{path}: data lock file not found") from None
    except ValidationError as exc:
        raise InputError(f"{path}: invalid data lock file: {exc}") from exc


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temp file in the same folder and os.replace, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_lock(lock: DataLock, path: Path | None = None) -> None:
    payload = lock.model_dump(mode="json")
    atomic_write_text(path or default_lock_path(), json.dumps(payload, indent=2) + "\n")
