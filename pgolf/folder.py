"""A read-only, bounded view of a submission folder: files, sizes, hashes, roles, track.

Submissions are untrusted input. Nothing here follows a symlink, reads past a size cap, or
executes anything; what is passed over is recorded in `skipped` so a check can report it.
"""

from __future__ import annotations

import hashlib
import os
import stat
from enum import StrEnum
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict

from pgolf.errors import InputError, UsageError

MAX_FILES = 5_000
MAX_DEPTH = 8
MAX_TEXT_BYTES = 64 * 1024 * 1024  # a log or script larger than this is not parsed (a finding says so)
# Hashing is opt-in (nothing in `pgolf check` reads a digest) and bounded: a file over the per-file cap,
# or past the folder's budget, is listed without a digest, and `skipped` says so. Reading a sparse
# 1 GiB file to hash it took 47 s (issue 13).
MAX_HASH_BYTES = 64 * 1024 * 1024
MAX_HASH_BYTES_PER_FOLDER = 256 * 1024 * 1024
_BINARY_SNIFF = 8192

CODE_SUFFIXES = frozenset({".py", ".c", ".cc", ".cpp", ".cu", ".cuh", ".h", ".hpp", ".pyx", ".sh"})
LOG_SUFFIXES = frozenset({".log", ".txt", ".out"})
MODEL_SUFFIXES = frozenset({".ptz", ".pt", ".pth", ".bin", ".lzma", ".br", ".zst", ".lrz", ".npz", ".safetensors"})
NON_LOG_TXT = frozenset({"requirements.txt", "license.txt", "notes.txt"})


class FileRole(StrEnum):
    CODE = "code"
    LOG = "log"
    SUBMISSION_JSON = "submission_json"
    README = "readme"
    REQUIREMENTS = "requirements"
    MODEL = "model"
    TOKENIZER = "tokenizer"
    OTHER = "other"


class FileEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str  # posix, relative to the folder
    size: int
    sha256: str | None
    role: FileRole

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name


class SkippedEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    reason: str


class SubmissionFolder(BaseModel):
    """What pgolf knows about a folder before parsing any file."""

    model_config = ConfigDict(frozen=True)

    root: Path
    name: str
    track_dir: str | None  # the `records/track_*` component above the folder, when present
    files: tuple[FileEntry, ...]
    skipped: tuple[SkippedEntry, ...]

    def by_role(self, role: FileRole) -> list[FileEntry]:
        return [f for f in self.files if f.role is role]

    def get(self, rel_path: str) -> FileEntry | None:
        return next((f for f in self.files if f.path == rel_path), None)

    def read_bytes(self, entry: FileEntry, cap: int = MAX_TEXT_BYTES) -> bytes:
        """Read a listed file, refusing anything over `cap` or that changed into a link."""
        if entry.size > cap:
            raise InputError(f"{entry.path}: {entry.size} bytes is over the {cap}-byte read cap")
        target = self.root / entry.path
        if target.is_symlink():
            raise InputError(f"{entry.path}: became a symlink after listing; refusing to follow")
        with target.open("rb") as fh:
            return fh.read(cap + 1)[:cap]

    def read_text(self, entry: FileEntry, cap: int = MAX_TEXT_BYTES) -> str:
        """Decode a text file as UTF-8 (BOM stripped, invalid bytes replaced); refuse binary files."""
        data = self.read_bytes(entry, cap)
        if b"\x00" in data[:_BINARY_SNIFF]:
            raise InputError(f"{entry.path}: binary data (NUL bytes), not a text file")
        return data.decode("utf-8-sig", errors="replace")


def classify(rel_path: str) -> FileRole:
    p = PurePosixPath(rel_path)
    name = p.name.lower()
    suffix = p.suffix.lower()
    if name.startswith("submission") and suffix == ".json":
        return FileRole.SUBMISSION_JSON
    if name in ("readme.md", "readme.txt", "readme"):
        return FileRole.README
    if name.startswith("requirements") and suffix == ".txt":
        return FileRole.REQUIREMENTS
    if suffix in CODE_SUFFIXES:
        return FileRole.CODE
    if suffix == ".model" or (suffix == ".vocab" and "token" in rel_path.lower()):
        return FileRole.TOKENIZER
    if suffix in LOG_SUFFIXES and name not in NON_LOG_TXT:
        return FileRole.LOG
    if suffix in MODEL_SUFFIXES:
        return FileRole.MODEL
    return FileRole.OTHER


_REQUIRED_FIRST = (FileRole.SUBMISSION_JSON, FileRole.README, FileRole.CODE, FileRole.LOG)


def listing_order(name: str) -> tuple[int, str]:
    """Sort key for the names in one directory: the required kinds (submission*.json, README, code,
    logs) come first, so that padding files can push only other files past the MAX_FILES cap."""
    role = classify(name)
    return (_REQUIRED_FIRST.index(role) if role in _REQUIRED_FIRST else len(_REQUIRED_FIRST), name)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _track_dir(root: Path) -> str | None:
    for part in reversed(root.parts[:-1]):
        if part.startswith("track_"):
            return part
    return None


def load_folder(path: str | os.PathLike[str], *, hash_files: bool = False) -> SubmissionFolder:
    """List a submission folder without following links; raises UsageError if it is not a folder.

    `hash_files`: record each file's sha256 (within MAX_HASH_BYTES per file and
    MAX_HASH_BYTES_PER_FOLDER in all; files beyond are listed without a digest and noted).
    """
    root = Path(path)
    if not root.exists():
        raise UsageError(f"{root}: no such file or directory")
    if root.is_symlink():
        raise InputError(f"{root}: the submission folder itself is a symlink; pass the real path")
    if not root.is_dir():
        raise UsageError(f"{root}: not a folder (pgolf check takes a records folder)")
    root = root.resolve()
    files: list[FileEntry] = []
    skipped: list[SkippedEntry] = []
    hash_budget = MAX_HASH_BYTES_PER_FOLDER
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        depth = len(here.relative_to(root).parts)
        for d in list(dirnames):
            rel = (here / d).relative_to(root).as_posix()
            if (here / d).is_symlink():
                skipped.append(SkippedEntry(path=rel, reason=_link_reason(root, here / d)))
                dirnames.remove(d)
            elif depth + 1 > MAX_DEPTH or d in {".git", "__pycache__"}:
                skipped.append(SkippedEntry(path=rel, reason="not descended into (depth cap or VCS/cache folder)"))
                dirnames.remove(d)
        dirnames.sort()
        for fname in sorted(filenames, key=listing_order):
            full = here / fname
            rel = full.relative_to(root).as_posix()
            st = full.lstat()
            if stat.S_ISLNK(st.st_mode):
                skipped.append(SkippedEntry(path=rel, reason=_link_reason(root, full)))
                continue
            if not stat.S_ISREG(st.st_mode):
                skipped.append(SkippedEntry(path=rel, reason="not a regular file"))
                continue
            if len(files) >= MAX_FILES:
                skipped.append(SkippedEntry(path=rel, reason=f"over the {MAX_FILES}-file cap"))
                continue
            digest = None
            if hash_files and st.st_size <= min(MAX_HASH_BYTES, hash_budget):
                digest = _sha256(full)
                hash_budget -= st.st_size
            elif hash_files:
                cap = "the per-file" if st.st_size > MAX_HASH_BYTES else "the folder's remaining"
                skipped.append(
                    SkippedEntry(path=rel, reason=f"listed, not hashed: {st.st_size} bytes over {cap} hash budget")
                )
            files.append(FileEntry(path=rel, size=st.st_size, sha256=digest, role=classify(rel)))
    return SubmissionFolder(
        root=root, name=root.name, track_dir=_track_dir(root), files=tuple(files), skipped=tuple(skipped)
    )


def _link_reason(root: Path, link: Path) -> str:
    try:
        target = link.resolve()
    except (OSError, RuntimeError):
        return "symlink that cannot be resolved; not followed"
    if target == root or root in target.parents:
        return "symlink inside the folder; not followed"
    return f"symlink pointing outside the folder ({link.readlink()}); not followed"
