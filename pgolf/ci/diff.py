"""What a pull request changes, read from git's object database: no checkout, no hooks, no filters.

Every git call goes through `run_git`, the one choke point (tests patch it; errors become one
readable `GitError`). Paths are read NUL-separated (`-z`), so spaces, quotes and non-ASCII names
arrive as written; bytes that are not UTF-8 survive as surrogate escapes and are written back
unchanged when a folder is materialized.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pgolf.errors import EnvironmentMissing, UsageError

GIT_TIMEOUT_S = 300
_STDERR_CHARS = 500

# Literal pathspecs: a folder named `records/track_10min_16mb/[x]*` must match itself, not a glob.
# No terminal prompt, no optional index writes: the gate is a reader.
_GIT_ENV = {"GIT_LITERAL_PATHSPECS": "1", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}

ADDED, MODIFIED, DELETED, RENAMED, COPIED, TYPE_CHANGED = "A", "M", "D", "R", "C", "T"
SYMLINK_MODE = "120000"
_SHA = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")  # SHA-1 or SHA-256 object ids
REGULAR_MODES = frozenset({"100644", "100755", "100664"})


class GitError(UsageError):
    """git refused: not a repository, an unknown ref, no merge base (the caller's input: exit 2)."""


@dataclass(frozen=True)
class Change:
    """One entry of `git diff --name-status`: `path` is the head path (the deleted path for D)."""

    status: str  # git's letter: A M D R C T (U, X and B are kept as they come)
    path: str
    old_path: str | None = None  # the base path of a rename or copy


@dataclass(frozen=True)
class TreeEntry:
    """One entry of `git ls-tree -r -l`."""

    path: str  # repo-relative, posix
    mode: str  # e.g. 100644, 100755, 120000 (symlink), 160000 (submodule)
    kind: str  # blob, tree or commit
    sha: str
    size: int | None  # None for submodules


def _decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def run_git(repo: Path, args: Sequence[str]) -> bytes:
    """Run `git -C repo ARGS`, return stdout; any failure is a GitError carrying git's own words."""
    exe = shutil.which("git")
    if exe is None:
        raise EnvironmentMissing("git is not installed or not on PATH; the CI gate reads the PR through git")
    try:
        proc = subprocess.run(
            [exe, "-C", str(repo), *args],
            capture_output=True,
            check=False,
            timeout=GIT_TIMEOUT_S,
            env={**os.environ, **_GIT_ENV},
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0]} took longer than {GIT_TIMEOUT_S} s in {repo}") from exc
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip()[:_STDERR_CHARS]
        raise GitError(f"git {' '.join(args[:2])} failed in {repo}: {stderr or f'exit {proc.returncode}'}")
    return proc.stdout


def parse_name_status(raw: bytes) -> list[Change]:
    """Parse `git diff --name-status -z`: `S\\0path\\0`, or `R100\\0old\\0new\\0` for renames and copies."""
    tokens = [_decode(t) for t in raw.split(b"\0")]
    if tokens and tokens[-1] == "":
        tokens.pop()
    changes: list[Change] = []
    i = 0
    while i < len(tokens):
        letter = tokens[i][:1]
        if letter in (RENAMED, COPIED):
            changes.append(Change(letter, tokens[i + 2], old_path=tokens[i + 1]))
            i += 3
        else:
            changes.append(Change(letter, tokens[i + 1]))
            i += 2
    return changes


def parse_ls_tree(raw: bytes) -> list[TreeEntry]:
    """Parse `git ls-tree -l -z`: `<mode> <type> <sha> <size padded>\\t<path>\\0`."""
    entries: list[TreeEntry] = []
    for record in raw.split(b"\0"):
        if not record:
            continue
        meta, _, path = record.partition(b"\t")
        mode, kind, sha, size = meta.decode("ascii").split()
        entries.append(TreeEntry(_decode(path), mode, kind, sha, int(size) if size.isdigit() else None))
    return entries


class GitRepo:
    """The few read-only questions the gate asks a repository."""

    def __init__(self, path: Path) -> None:
        self.path = path
        run_git(path, ["rev-parse", "--git-dir"])  # fails early and clearly outside a repository

    def resolve(self, ref: str) -> str:
        """The commit SHA `ref` names; `--end-of-options` stops a ref like `--output=x` being an option."""
        if not ref.strip():
            raise GitError("an empty ref was given")
        try:
            out = run_git(self.path, ["rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}"])
        except GitError as exc:
            raise GitError(f"{ref!r} does not name a commit in {self.path}") from exc
        return out.decode("ascii").strip()

    def merge_base(self, base: str, head: str) -> str:
        try:
            return run_git(self.path, ["merge-base", base, head]).decode("ascii").strip()
        except GitError as exc:
            raise GitError(f"{base[:12]} and {head[:12]} share no history (no merge base)") from exc

    def changes(self, base: str, head: str) -> list[Change]:
        """What the PR changes: `base...head` diffs the merge base against head, as GitHub's PR view does."""
        args = ["diff", "--name-status", "-z", "-M", "--no-color", "--no-ext-diff", "--no-relative"]
        return parse_name_status(run_git(self.path, [*args, f"{base}...{head}", "--"]))

    def tree(self, commit: str, folder: str) -> list[TreeEntry]:
        """Every entry under `folder` at `commit`, recursively (the prefix filter guards `a` vs `ab`)."""
        raw = run_git(self.path, ["ls-tree", "-r", "-l", "-z", "--full-tree", commit, "--", folder])
        return [e for e in parse_ls_tree(raw) if e.path.startswith(folder + "/")]

    def names(self, commit: str, folder: str) -> set[str]:
        """Repo-relative paths of the entries directly inside `folder` at `commit` (empty if it is absent)."""
        raw = run_git(self.path, ["ls-tree", "-z", "--name-only", "--full-tree", commit, "--", folder + "/"])
        return {_decode(p) for p in raw.split(b"\0") if p}

    def file_at(self, commit: str, path: str) -> bytes | None:
        """A regular file's bytes at `commit` (e.g. the base's .pgolf.toml); None when there is none."""
        raw = run_git(self.path, ["ls-tree", "-l", "-z", "--full-tree", commit, "--", path])
        entry = next((e for e in parse_ls_tree(raw) if e.path == path), None)
        if entry is None or entry.kind != "blob" or entry.mode not in REGULAR_MODES:
            return None
        return self.blob(entry.sha)

    def blob(self, sha: str) -> bytes:
        """A blob's raw bytes: `cat-file` applies no smudge filter, textconv or export-subst."""
        return run_git(self.path, ["cat-file", "blob", sha])

    def blob_reader(self) -> BlobReader:
        """Many blobs through one `git cat-file --batch` (one process per blob was 122 s for 20,000)."""
        return BlobReader(self.path)


class BlobReader:
    """A `git cat-file --batch` session: ask for a blob by SHA, read exactly its bytes back.

    Requests go one at a time (write a SHA, read its answer), so neither pipe can fill up while
    the other side waits. A watchdog kills git after GIT_TIMEOUT_S in all, and a read that then
    finds the pipe closed is a GitError like any other git failure.
    """

    def __init__(self, repo: Path) -> None:
        exe = shutil.which("git")
        if exe is None:
            raise EnvironmentMissing("git is not installed or not on PATH; the CI gate reads the PR through git")
        self._repo = repo
        self._proc = subprocess.Popen(
            [exe, "-C", str(repo), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **_GIT_ENV},
        )
        self._watchdog = threading.Timer(GIT_TIMEOUT_S, self._proc.kill)
        self._watchdog.daemon = True
        self._watchdog.start()

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._watchdog.cancel()
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        try:
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def _fail(self, what: str) -> GitError:
        return GitError(f"git cat-file --batch {what} in {self._repo}")

    def read(self, sha: str) -> bytes:
        """The blob's bytes; a GitError when git does not have it or is no longer answering."""
        stdin, stdout = self._proc.stdin, self._proc.stdout
        assert stdin is not None and stdout is not None  # both are PIPEs
        if not _SHA.fullmatch(sha):
            raise GitError(f"not an object id: {sha!r}")
        try:
            stdin.write(sha.encode("ascii") + b"\n")
            stdin.flush()
        except OSError as exc:
            raise self._fail("stopped (timed out or killed)") from exc
        header = stdout.readline().split()
        if len(header) != 3 or header[1] != b"blob" or not header[2].isdigit():
            raise self._fail(f"has no blob {sha} ({b' '.join(header[1:]).decode('ascii', 'replace') or 'no answer'})")
        size = int(header[2])
        data = stdout.read(size + 1)  # the content and git's trailing newline
        if len(data) != size + 1:
            raise self._fail(f"ended inside blob {sha}")
        return data[:size]
