"""The challenge repository snapshot (../shared/parameter-golf.git.tar) as test material.

The tar holds a bare, shallow git repository: `main` (every merged record) and the PR heads
(`refs/pull/N/head`). This module unpacks it once into a cache, lists record folders on `main`
and the folders each PR head adds, and exports one folder's files into a directory. Submission
content is untrusted: it is written out as plain files (symlinks stay links, never followed),
never imported or run. Every git call is read-only plumbing with a fixed argument list.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from pgolf.errors import EnvironmentMissing, InputError

TAR_NAME = "parameter-golf.git.tar"
REPO_DIR = "parameter-golf.git"
MAIN = "main"
RECORDS = "records"
# A records folder is `records/track_*/<folder>`; PRs that skipped the track level add `records/<folder>`.
TRACK_PREFIX = "track_"


def repo_root() -> Path:
    """The pgolf checkout this module lives in (pgolf/realrepo/ -> two levels up)."""
    return Path(__file__).resolve().parents[2]


def shared_dir() -> Path:
    """`$PGOLF_SHARED`, else `../shared` beside the checkout (where CI puts it)."""
    env = os.environ.get("PGOLF_SHARED")
    return Path(env) if env else repo_root().parent / "shared"


def snapshot_tar() -> Path | None:
    tar = shared_dir() / TAR_NAME
    return tar if tar.is_file() else None


def default_cache() -> Path:
    return repo_root() / ".cache" / "realrepo"


def _cache_key(tar: Path) -> str:
    st = tar.stat()
    return f"{st.st_size}-{st.st_mtime_ns}"


def materialize(tar: Path, cache: Path | None = None) -> Path:
    """Unpack `tar` into `cache/<size>-<mtime>/` once and return the bare repository's path.

    Safe when several processes race: the first takes an exclusive lock and unpacks into a
    temporary folder that is renamed into place only when complete; the others wait on the
    lock and then find the finished copy. A stale temporary folder from a killed run is removed.
    """
    cache = cache or default_cache()
    cache.mkdir(parents=True, exist_ok=True)
    final = cache / _cache_key(tar)
    repo = final / REPO_DIR
    if (repo / "HEAD").is_file():
        return repo
    with (cache / ".lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (repo / "HEAD").is_file():
            return repo
        for stale in cache.glob(".unpack-*"):
            shutil.rmtree(stale, ignore_errors=True)
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=cache))
        try:
            with tarfile.open(tar) as archive:
                archive.extractall(staging, filter="data")
            if not (staging / REPO_DIR / "HEAD").is_file():
                raise InputError(f"{tar}: no {REPO_DIR}/HEAD inside; not the challenge snapshot")
            if final.exists():
                shutil.rmtree(final)
            staging.rename(final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        for old in cache.iterdir():  # earlier versions of the tar
            if old.is_dir() and old != final and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
    return repo


def git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    """Run a read-only git command in the bare repository; raise EnvironmentMissing without git."""
    try:
        done = subprocess.run(
            ["git", "--git-dir", str(repo), *args],
            input=data,
            capture_output=True,
            check=False,
            env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"},
        )
    except FileNotFoundError as exc:
        raise EnvironmentMissing("git is not installed; the real-repository tier needs it") from exc
    if done.returncode != 0:
        raise InputError(f"git {' '.join(args[:3])}: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def record_folder_of(path: str) -> str | None:
    """`records/track_x/<folder>/...` -> `records/track_x/<folder>`; `records/<folder>/...` likewise."""
    parts = PurePosixPath(path).parts
    if len(parts) < 3 or parts[0] != RECORDS:
        return None
    if parts[1].startswith(TRACK_PREFIX):
        return "/".join(parts[:3]) if len(parts) >= 4 else None
    return "/".join(parts[:2])


def main_record_folders(repo: Path) -> list[str]:
    """Every `records/track_*/<folder>` on main."""
    out = git(repo, "ls-tree", "-d", "-z", "--name-only", MAIN, f"{RECORDS}/")
    tracks = [t for t in out.decode().split("\0") if t and PurePosixPath(t).name.startswith(TRACK_PREFIX)]
    folders: list[str] = []
    for track in tracks:
        listed = git(repo, "ls-tree", "-d", "-z", "--name-only", MAIN, f"{track}/")
        folders += [f for f in listed.decode().split("\0") if f]
    return sorted(folders)


def pr_numbers(repo: Path) -> list[int]:
    out = git(repo, "for-each-ref", "--format=%(refname)", "refs/pull/*/head").decode()
    numbers = [int(ref.split("/")[2]) for ref in out.split() if ref.split("/")[2].isdigit()]
    return sorted(numbers)


def pr_ref(number: int) -> str:
    return f"refs/pull/{number}/head"


def pr_added_folders(repo: Path, number: int, main_folders: set[str] | None = None) -> list[str]:
    """Record folders a PR head adds: folders of its added (A) paths that do not exist on main.

    The snapshot is shallow (no merge base), so the two trees are compared directly; a head may
    add several folders or none. Added files inside a folder that main already has are edits of
    an existing record, not a new folder.
    """
    out = git(repo, "diff", "--no-renames", "--name-status", "-z", MAIN, pr_ref(number), "--", f"{RECORDS}/")
    fields = out.decode(errors="surrogateescape").split("\0")
    existing = main_folders if main_folders is not None else set(main_record_folders(repo))
    added: set[str] = set()
    for status, path in zip(fields[0::2], fields[1::2], strict=False):
        folder = record_folder_of(path) if status == "A" else None
        if folder is not None and folder not in existing:
            added.add(folder)
    return sorted(added)


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    kind: str
    oid: str
    path: str


def _tree(repo: Path, ref: str, folder: str) -> list[TreeEntry]:
    out = git(repo, "ls-tree", "-r", "-z", "--full-tree", ref, "--", f"{folder}/")
    entries: list[TreeEntry] = []
    for record in out.decode(errors="surrogateescape").split("\0"):
        if not record:
            continue
        meta, _, path = record.partition("\t")
        mode, kind, oid = meta.split()
        entries.append(TreeEntry(mode=mode, kind=kind, oid=oid, path=path))
    return entries


def _blobs(repo: Path, oids: list[str]) -> dict[str, bytes]:
    """Blob contents by id, in one `git cat-file --batch` call."""
    if not oids:
        return {}
    out = git(repo, "cat-file", "--batch", data=("\n".join(oids) + "\n").encode())
    blobs: dict[str, bytes] = {}
    pos = 0
    for oid in oids:
        header_end = out.index(b"\n", pos)
        header = out[pos:header_end].split()
        if len(header) != 3:
            raise InputError(f"git cat-file: {header_line(out[pos:header_end])}")
        size = int(header[2])
        blobs[oid] = out[header_end + 1 : header_end + 1 + size]
        pos = header_end + 1 + size + 1
    return blobs


def header_line(raw: bytes) -> str:
    return raw.decode(errors="replace")[:200]


def _safe_parts(rel: str) -> tuple[str, ...]:
    parts = PurePosixPath(rel).parts
    if not parts or any(p in ("", ".", "..") or "\0" in p for p in parts) or rel.startswith("/"):
        raise InputError(f"refusing to export the path {rel!r}")
    return parts


def export_folder(repo: Path, ref: str, folder: str, dest: Path) -> Path:
    """Write `folder` as it is in `ref` under `dest/<folder>` and return that directory.

    Files are written from blob contents (no checkout, no .gitattributes filters, nothing
    executed); symlinks are recreated as links with their recorded target (pgolf check reports
    them and never follows them); submodule entries are skipped.
    """
    entries = _tree(repo, ref, folder)
    if not entries:
        raise InputError(f"{ref}: no folder {folder}")
    blobs = _blobs(repo, [e.oid for e in entries if e.kind == "blob"])
    root = dest / folder
    root.mkdir(parents=True, exist_ok=True)
    for entry in entries:
        if entry.kind != "blob":
            continue
        target = dest.joinpath(*_safe_parts(entry.path))
        target.parent.mkdir(parents=True, exist_ok=True)
        data = blobs[entry.oid]
        if entry.mode == "120000":
            target.symlink_to(data.decode(errors="surrogateescape"))
            continue
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
    return root
