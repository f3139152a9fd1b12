"""The challenge repository snapshot (../shared/parameter-golf.git.tar), for measurements and tests.

A bare, shallow git repository: `main` (every merged record) and the PR heads `refs/pull/N/head`.
It is unpacked once into a cache (never into the working tree) and read through git only, as the CI
gate reads a PR: `PGOLF_SNAPSHOT` names an already unpacked copy, `PGOLF_SHARED` the shared folder.
"""

from __future__ import annotations

import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pgolf.ci.diff import GitRepo, TreeEntry, run_git
from pgolf.errors import EnvironmentMissing

TAR_NAME = "parameter-golf.git.tar"
_PR_REF = re.compile(r"^refs/pull/(\d+)/head$")


def shared_dir() -> Path:
    """../shared beside the repository (or $PGOLF_SHARED)."""
    env = os.environ.get("PGOLF_SHARED")
    return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared"


def _cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pgolf"


def locate() -> Path | None:
    """An unpacked bare snapshot, unpacking the shared tar into the cache on first use; None without one."""
    env = os.environ.get("PGOLF_SNAPSHOT")
    if env:
        return Path(env) if Path(env).is_dir() else None
    tar = shared_dir() / TAR_NAME
    if not tar.is_file():
        return None
    stat = tar.stat()
    dest = _cache_root() / f"snapshot-{stat.st_size}-{int(stat.st_mtime)}" / "parameter-golf.git"
    if dest.is_dir():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp, tarfile.open(tar) as archive:
        archive.extractall(tmp, filter="data")
        unpacked = Path(tmp) / "parameter-golf.git"
        if not unpacked.is_dir():
            raise EnvironmentMissing(f"{tar}: expected parameter-golf.git/ inside")
        if not dest.exists():
            unpacked.rename(dest)
    return dest


def require() -> Path:
    found = locate()
    if found is None:
        raise EnvironmentMissing(f"no snapshot: {shared_dir() / TAR_NAME} is absent and PGOLF_SNAPSHOT is unset")
    return found


@dataclass(frozen=True)
class Ref:
    name: str  # refs/heads/main or refs/pull/N/head
    pr: int | None  # the PR number, None for main
    sha: str


def refs(repo: Path) -> list[Ref]:
    """main first, then the PR heads by number."""
    raw = run_git(repo, ["for-each-ref", "--format=%(objectname) %(refname)", "refs/heads/main", "refs/pull"])
    out: list[Ref] = []
    for line in raw.decode().splitlines():
        sha, name = line.split(" ", 1)
        match = _PR_REF.match(name)
        out.append(Ref(name, int(match.group(1)) if match else None, sha))
    return sorted(out, key=lambda r: (r.pr is not None, r.pr or 0))


def records_tree(repo: Path, commit: str) -> list[TreeEntry]:
    """Every entry under records/ at `commit`."""
    return GitRepo(repo).tree(commit, "records")


def git_available() -> bool:
    return shutil.which("git") is not None
