"""Pinned, hash-checked downloads of the challenge datasets (ENVIRONMENT.md §2.1, §2.4 steps 1-2).

Every Hub call goes through one seam, `HubClient`: `HfHubClient` wraps huggingface_hub, and tests
pass a fake that writes files. `pin_variant` resolves a branch to a commit and records (path, size,
sha256) of every file in the lock; `fetch_variant` downloads exactly those files at exactly that
commit into a cache (one `snapshot_download` with allow_patterns and parallel workers), checks
size and sha256 of each, and skips files it verified on an earlier run.

Trust on first use: a variant the committed lock does not pin yet is resolved at fetch time (the
repo's current commit and every file's LFS sha256), recorded in the user lock beside the cache
(`<cache>/user-lock.json`) and used from there on; the fetch says so. The user lock never
overrides a committed pin.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from pgolf.data.lock import (
    DataLock,
    FileKind,
    LockedFile,
    VariantLock,
    atomic_write_text,
    default_lock_path,
    load_lock,
    write_lock,
)
from pgolf.data.tokenizer import file_sha256
from pgolf.errors import EXIT_VIOLATIONS, EnvironmentMissing, InputError, PgolfError, UsageError

Progress = Callable[[str], None]
_VERIFIED = ".pgolf-verified.json"  # per-cache-folder record of files whose hash already matched
_HUB_MODULES = ("huggingface_hub", "requests", "httpx", "httpx2", "urllib3", "httpcore")
_NOT_FOUND = {
    "RepositoryNotFoundError",
    "RevisionNotFoundError",
    "RemoteEntryNotFoundError",
    "GatedRepoError",
}


class IntegrityError(PgolfError):
    """Downloaded bytes differ from the lock: a verification failure (exit 1), not a usage error."""

    exit_code: ClassVar[int] = EXIT_VIOLATIONS


class RemoteFile(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    size: int
    sha256: str | None  # the LFS sha256; None for small files kept in git (hashed after download)


class HubClient(Protocol):
    """The only way pgolf talks to the Hub (dataset repos)."""

    def resolve_revision(self, repo_id: str, revision: str) -> str:
        """The 40-hex commit sha that `revision` (a branch, tag or sha) points to."""
        ...

    def list_files(self, repo_id: str, revision: str, prefix: str) -> list[RemoteFile]:
        """Every file under `prefix` at `revision`, recursively."""
        ...

    def download(self, repo_id: str, path: str, revision: str, local_dir: Path) -> Path:
        """Download one file to `local_dir/<path>` and return that path."""
        ...

    def snapshot(self, repo_id: str, revision: str, paths: list[str], local_dir: Path, max_workers: int) -> None:
        """Download `paths` (exact repo paths, used as allow_patterns) into `local_dir`, in parallel."""
        ...


def _hub_error(exc: Exception, what: str) -> PgolfError:
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & _NOT_FOUND and "LocalEntryNotFoundError" not in names:
        return InputError(f"{what}: not found on the Hub: {exc}")
    return EnvironmentMissing(
        f"{what}: cannot reach the Hugging Face Hub ({type(exc).__name__}: {exc}). "
        "Check the network, HF_ENDPOINT and HF_HUB_OFFLINE, then run the command again."
    )


def _is_hub_failure(exc: Exception) -> bool:
    return isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in _HUB_MODULES


class HfHubClient:
    """HubClient over huggingface_hub (the `runner` extra); its tqdm bars show download progress."""

    def __init__(self) -> None:
        try:
            import huggingface_hub
        except ImportError as exc:
            raise EnvironmentMissing("huggingface_hub is not installed: pip install 'pgolf[runner]'") from exc
        self._hub = huggingface_hub
        self._api = huggingface_hub.HfApi()

    def resolve_revision(self, repo_id: str, revision: str) -> str:
        try:
            return str(self._api.dataset_info(repo_id, revision=revision).sha)
        except Exception as exc:
            if not _is_hub_failure(exc):
                raise
            raise _hub_error(exc, f"{repo_id}@{revision}") from exc

    def list_files(self, repo_id: str, revision: str, prefix: str) -> list[RemoteFile]:
        try:
            entries = list(
                self._api.list_repo_tree(
                    repo_id,
                    path_in_repo=prefix or None,
                    recursive=True,
                    revision=revision,
                    repo_type="dataset",
                )
            )
        except Exception as exc:
            if not _is_hub_failure(exc):
                raise
            raise _hub_error(exc, f"{repo_id}@{revision}:{prefix}") from exc
        found = []
        for entry in entries:
            size = getattr(entry, "size", None)  # folders have no size
            if size is None:
                continue
            lfs = getattr(entry, "lfs", None)  # None for files stored in git itself
            found.append(RemoteFile(path=entry.path, size=int(size), sha256=getattr(lfs, "sha256", None)))
        return found

    def download(self, repo_id: str, path: str, revision: str, local_dir: Path) -> Path:
        try:
            got = self._hub.hf_hub_download(
                repo_id, path, repo_type="dataset", revision=revision, local_dir=str(local_dir)
            )
        except Exception as exc:
            if not _is_hub_failure(exc):
                raise
            raise _hub_error(exc, f"{repo_id}@{revision}:{path}") from exc
        return Path(got)

    def snapshot(self, repo_id: str, revision: str, paths: list[str], local_dir: Path, max_workers: int) -> None:
        try:
            self._hub.snapshot_download(
                repo_id,
                repo_type="dataset",
                revision=revision,
                allow_patterns=paths,
                local_dir=str(local_dir),
                max_workers=max_workers,
            )
        except Exception as exc:
            if not _is_hub_failure(exc):
                raise
            raise _hub_error(exc, f"{repo_id}@{revision}") from exc


def default_cache_dir() -> Path:
    env = os.environ.get("PGOLF_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "pgolf" / "data"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def user_lock_path(cache_dir: Path | None = None) -> Path:
    """The user-side lock: pins resolved on first use on this machine (never committed)."""
    return (cache_dir or default_cache_dir()) / "user-lock.json"


def _user_pin(name: str, path: Path) -> VariantLock | None:
    if not path.is_file():
        return None
    found = load_lock(path).variants.get(name)
    return found if found is not None and found.pinned else None


def _record_user_pin(name: str, pinned: VariantLock, path: Path) -> None:
    lock = (
        load_lock(path)
        if path.is_file()
        else DataLock(comment="Pins resolved on first use (pgolf data fetch).", variants={})
    )
    lock.variants[name] = pinned
    write_lock(lock, path)


class FetchResult(BaseModel):
    variant: str
    repo_id: str
    revision: str
    root: Path  # the local copy of the repo at `revision`
    dataset_dir: Path  # -> DATA_PATH
    tokenizer_path: Path  # -> TOKENIZER_PATH
    train_shards: int
    downloaded: list[str]
    skipped: list[str]  # verified on an earlier run
    bytes_downloaded: int
    pin: Literal["lock", "user lock", "resolved now"] = "lock"  # where the revision and hashes came from
    warnings: list[str] = []


def select_files(source: VariantLock, name: str, train_shards: int | None) -> list[LockedFile]:
    """The locked files one run needs: manifest, tokenizer, val (+sidecar), the first N train shards."""
    if not source.pinned:
        raise UsageError(
            f"data variant {name!r} has no pinned revision in the data lock (revision {source.revision!r}; "
            f"committed lock: {default_lock_path()}). On a machine that reaches huggingface.co run "
            f"`pgolf data pin {name}`, review the diff of the lock file and commit it; downloads use only "
            "pinned commits."
        )
    train = source.locked("train")
    wanted = source.default_train_shards if train_shards is None else train_shards
    if not 0 <= wanted <= len(train):
        raise UsageError(f"{name}: --train-shards {wanted} outside 0..{len(train)} (shards in the lock)")
    others = [f for f in source.files if f.kind != "train"]
    return sorted(others, key=lambda f: f.path) + train[:wanted]


class _VerifiedRecord:
    """path -> (sha256, size, mtime_ns) of files already checked, so a resumed fetch skips them."""

    def __init__(self, root: Path) -> None:
        self.path = root / _VERIFIED
        try:
            loaded = json.loads(self.path.read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            loaded = None
        # anything unreadable only costs a re-hash of the files already on disk
        self.entries: dict[str, object] = loaded if isinstance(loaded, dict) else {}

    @staticmethod
    def _stamp(file: LockedFile, local: Path) -> list[object]:
        return [file.sha256, file.size, local.stat().st_mtime_ns]

    def matches(self, file: LockedFile, local: Path) -> bool:
        return local.is_file() and self.entries.get(file.path) == self._stamp(file, local)

    def add(self, file: LockedFile, local: Path) -> None:
        self.entries[file.path] = self._stamp(file, local)
        atomic_write_text(self.path, json.dumps(self.entries, indent=1, sort_keys=True) + "\n")


def _check_file(file: LockedFile, local: Path) -> str | None:
    """None when size and sha256 match the lock, else what differs."""
    size = local.stat().st_size
    if size != file.size:
        return f"size {size} != {file.size}"
    digest = file_sha256(local)
    return None if digest == file.sha256 else f"sha256 {digest} != {file.sha256}"


def _valid_copy(file: LockedFile, local: Path, record: _VerifiedRecord) -> bool:
    if record.matches(file, local):
        return True
    if local.is_file() and local.stat().st_size == file.size and _check_file(file, local) is None:
        record.add(file, local)  # finished by an earlier, interrupted run
        return True
    return False


def _verify_downloaded(source: VariantLock, file: LockedFile, root: Path, record: _VerifiedRecord) -> None:
    local = root / file.path
    problem = _check_file(file, local) if local.is_file() else "file missing after download"
    if problem is not None:
        local.unlink(missing_ok=True)  # a corrupt copy must not be taken for a finished one next time
        raise IntegrityError(
            f"{source.repo_id}@{source.revision[:12]}:{file.path}: {problem}; the file was deleted. "
            "Run the fetch again; if it persists, the repo at this commit does not hold what the lock says: re-pin."
        )
    record.add(file, local)


def _source_for(
    name: str, lock: DataLock, hub: HubClient | None, user_lock: Path, tofu: bool, progress: Progress
) -> tuple[VariantLock, Literal["lock", "user lock", "resolved now"], list[str]]:
    source = lock.variant(name)
    if source.pinned:
        return source, "lock", []
    earlier = _user_pin(name, user_lock)
    if earlier is not None:
        note = f"{name}: not pinned in the data lock; using the pin recorded on first use in {user_lock}"
        return earlier, "user lock", [f"{note} ({earlier.repo_id}@{earlier.revision}, {earlier.resolved_at})"]
    if not tofu:
        select_files(source, name, None)  # raises the "not pinned" usage error
    resolved = resolve_pin(name, source, hub or HfHubClient(), progress=progress)
    _record_user_pin(name, resolved, user_lock)
    warning = (
        f"warning: {name} is not pinned in the data lock: trusting {resolved.repo_id}@{resolved.revision} on first "
        f"use (every file's size and sha256 recorded in {user_lock}; `pgolf data pin {name}` commits a pin)"
    )
    progress(warning)
    return resolved, "resolved now", [warning]


def fetch_variant(
    name: str,
    *,
    train_shards: int | None = None,
    cache_dir: Path | None = None,
    lock: DataLock | None = None,
    client: HubClient | None = None,
    progress: Progress = _stderr,
    tofu: bool = True,
    max_workers: int = 8,
) -> FetchResult:
    """Download a variant into `cache_dir/<variant>/<revision>/` (the repo's own layout) and verify it.

    Pinned by the committed lock, else by the user lock, else (`tofu`) resolved now and recorded.
    """
    cache = cache_dir or default_cache_dir()
    source, pin, warnings = _source_for(name, lock or load_lock(), client, user_lock_path(cache), tofu, progress)
    files = select_files(source, name, train_shards)
    root = cache / name / source.revision
    record = _VerifiedRecord(root)
    pending = [f for f in files if not _valid_copy(f, root / f.path, record)]
    skipped = [f.path for f in files if f not in pending]
    total = sum(f.size for f in pending)
    if pending:
        hub = client or HfHubClient()
        progress(
            f"{name}: downloading {len(pending)} file(s), {total:,} B, from {source.repo_id}@{source.revision[:12]} "
            f"({max_workers} workers); {len(skipped)} already verified"
        )
        started = time.monotonic()
        hub.snapshot(source.repo_id, source.revision, [f.path for f in pending], root, max_workers)
        for file in pending:
            _verify_downloaded(source, file, root, record)
        elapsed = time.monotonic() - started
        progress(
            f"{name}: {len(pending)} file(s) downloaded and verified in {elapsed:.1f}s "
            f"({total / max(elapsed, 1e-9) / 1e6:.1f} MB/s)"
        )
    else:
        progress(f"{name}: all {len(files)} file(s) already verified")
    return FetchResult(
        variant=name,
        repo_id=source.repo_id,
        revision=source.revision,
        root=root,
        dataset_dir=root / source.dataset_repo_dir,
        tokenizer_path=root / source.tokenizer_repo_path,
        train_shards=sum(f.kind == "train" for f in files),
        downloaded=[f.path for f in pending],
        skipped=skipped,
        bytes_downloaded=total,
        pin=pin,
        warnings=warnings,
    )


_KIND_PATTERNS: tuple[tuple[FileKind, str], ...] = (
    ("train", r"fineweb_train_\d{6}\.bin"),
    ("val", r"fineweb_val_\d{6}\.bin"),
    ("val_bytes", r"fineweb_val_bytes_\d{6}\.bin"),
)


def _classify(source: VariantLock, path: str) -> FileKind | None:
    if path == source.repo_path("manifest.json"):
        return "manifest"
    if path == source.tokenizer_repo_path:
        return "tokenizer"
    folder, _, name = path.rpartition("/")
    if folder != source.dataset_repo_dir:
        return None
    for kind, pattern in _KIND_PATTERNS:
        if re.fullmatch(pattern, name) and (kind != "val_bytes" or source.byte_sidecar):
            return kind
    return None


def _require_layout(source: VariantLock, name: str, kinds: list[FileKind], revision: str) -> None:
    needed: list[FileKind] = ["tokenizer", "train", "val"]
    if source.byte_sidecar:
        needed.append("val_bytes")
    missing = [k for k in needed if k not in kinds]
    if missing:
        raise InputError(
            f"{name}: {source.repo_id}@{revision[:12]} has no {', '.join(missing)} file(s) where the lock "
            f"expects them ({source.dataset_repo_dir}, {source.tokenizer_repo_path}); fix the source "
            "fields of the variant in the lock file"
        )


def _hash_in_git_files(
    client: HubClient, source: VariantLock, revision: str, remote: list[RemoteFile]
) -> dict[str, str]:
    """sha256 of files the listing gives no LFS hash for (small files in git), by downloading them."""
    hashes: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="pgolf-pin-") as tmp:
        for item in remote:
            if item.sha256 is None:
                hashes[item.path] = file_sha256(client.download(source.repo_id, item.path, revision, Path(tmp)))
    return hashes


def resolve_pin(
    name: str, source: VariantLock, hub: HubClient, *, revision: str = "main", progress: Progress = _stderr
) -> VariantLock:
    """The variant pinned at `revision`'s current commit: every file it needs, with size and sha256."""
    sha = hub.resolve_revision(source.repo_id, revision)
    progress(f"{name}: {source.repo_id}@{revision} is commit {sha}")
    listing = hub.list_files(source.repo_id, sha, source.remote_root)
    remote = [(kind, item) for item in listing if (kind := _classify(source, item.path)) is not None]
    _require_layout(source, name, [kind for kind, _ in remote], sha)
    hashes = _hash_in_git_files(hub, source, sha, [item for _, item in remote])
    files = tuple(
        sorted(
            (
                LockedFile(path=item.path, kind=kind, size=item.size, sha256=item.sha256 or hashes[item.path])
                for kind, item in remote
            ),
            key=lambda f: f.path,
        )
    )
    return source.model_copy(
        update={
            "revision": sha,
            "resolved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "files": files,
        }
    )


def pin_variant(
    name: str,
    *,
    revision: str = "main",
    lock_path: Path | None = None,
    client: HubClient | None = None,
    progress: Progress = _stderr,
) -> VariantLock:
    """Resolve `revision`, hash every file the variant needs, and rewrite the lock atomically."""
    lock_path = lock_path or default_lock_path()
    pinned = resolve_pin(
        name, load_lock(lock_path).variant(name), client or HfHubClient(), revision=revision, progress=progress
    )
    files = pinned.files
    fresh = load_lock(lock_path)  # re-read: keep any other variant pinned meanwhile
    fresh.variants[name] = pinned
    write_lock(fresh, lock_path)
    train = sum(f.kind == "train" for f in files)
    progress(f"{name}: pinned {len(files)} files ({train} train shards) in {lock_path}")
    return pinned
