"""Read what a run wrote without following it: the one way the host side opens a seed's output folder.

The submission controls everything under `seed-<s>/out` (and on the local backend it could replace
`out` itself). A symlink planted there must never make us hash /etc/shadow as "the model" or read
/dev/zero as a trace, and a FIFO must never block us. So every path is opened component by
component from a directory we trust, with O_NOFOLLOW (a symlink anywhere fails the open), only
regular files are read, the type is checked on the open descriptor (no check-then-open race), and
reads are capped. What is refused is returned, so the record can say so.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC  # NONBLOCK: a FIFO never hangs us

# Walking a folder the submission filled: enough for any real run, bounded for a hostile one.
MAX_ENTRIES = 200_000
MAX_DEPTH = 32


class Refused(Exception):
    """A path we will not read: a symlink, a non-regular file, or a component that is not a folder."""

    def __init__(self, rel: str, why: str) -> None:
        self.rel = rel
        self.why = why
        super().__init__(f"{rel}: {why}")


@dataclass(frozen=True)
class Entry:
    rel: str  # posix path relative to the walked root
    kind: str  # "file", "dir", "symlink", "fifo", "socket", "device", "other"
    size: int
    mtime_ns: int
    target: str | None = None  # a symlink's target, for the report (never followed)


def _kind(mode: int) -> str:
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return "other"


def open_dir(root: Path, rel: str = "") -> int:
    """A descriptor of root/rel. `root` is ours and may be reached through links the user chose;
    every component of `rel` must be a real folder."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in PurePosixPath(rel).parts if rel else ():
            try:
                child = os.open(part, _DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                raise _refusal(rel, exc) from exc
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def _refusal(rel: str, exc: OSError) -> Refused | OSError:
    if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
        return Refused(rel, "a symlink or not a folder: not followed")
    return exc


def open_regular(root: Path, rel: str) -> tuple[int, os.stat_result]:
    """(descriptor, stat) of the regular file root/rel; Refused for anything else."""
    parent, name = (str(PurePosixPath(rel).parent), PurePosixPath(rel).name)
    dir_fd = open_dir(root, "" if parent == "." else parent)
    try:
        try:
            fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
        except OSError as exc:
            raise _refusal(rel, exc) from exc
    finally:
        os.close(dir_fd)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise Refused(rel, f"a {_kind(info.st_mode)}, not a regular file")
    return fd, info


def lstat(root: Path, rel: str) -> Entry | None:
    """What root/rel is, without following it; None when absent (or under a non-folder)."""
    parent, name = (str(PurePosixPath(rel).parent), PurePosixPath(rel).name)
    try:
        dir_fd = open_dir(root, "" if parent == "." else parent)
    except (OSError, Refused):
        return None
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return None
    finally:
        os.close(dir_fd)
    return Entry(rel, _kind(info.st_mode), info.st_size, info.st_mtime_ns)


def read_capped(root: Path, rel: str, max_bytes: int) -> tuple[bytes, int]:
    """(the first max_bytes of a regular file, its full size)."""
    fd, info = open_regular(root, rel)
    with os.fdopen(fd, "rb") as handle:
        return handle.read(max_bytes), info.st_size


def iter_lines(root: Path, rel: str, max_bytes: int) -> Iterator[bytes]:
    """The lines of a regular file, streamed, stopping after max_bytes."""
    fd, _info = open_regular(root, rel)
    with os.fdopen(fd, "rb") as handle:
        left = max_bytes
        while left > 0:
            line = handle.readline(min(left, 1 << 20))
            if not line:
                return
            left -= len(line)
            yield line


def sha256(root: Path, rel: str, max_bytes: int) -> tuple[str | None, int]:
    """(hex digest, size) of a regular file; the digest is None when it is larger than max_bytes
    (its size still counts, and hashing a planted multi-GiB sparse file would cost minutes)."""
    fd, info = open_regular(root, rel)
    with os.fdopen(fd, "rb") as handle:
        if info.st_size > max_bytes:
            return None, info.st_size
        digest = hashlib.sha256()
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
        return digest.hexdigest(), info.st_size


@dataclass
class Walk:
    entries: list[Entry]
    truncated: bool  # MAX_ENTRIES or MAX_DEPTH reached: what was not listed was not counted
    refused: str | None = None  # why the folder itself was not read (a symlink in its path)


def walk(
    root: Path, rel: str = "", *, max_entries: int = MAX_ENTRIES, max_depth: int = MAX_DEPTH, descend: bool = True
) -> Walk:
    """Every entry under root/rel (only its own entries unless `descend`), symlinks listed with their
    target and never descended into."""
    entries: list[Entry] = []
    try:
        top = open_dir(root, rel)
    except Refused as exc:
        return Walk(entries, truncated=False, refused=exc.why)
    except OSError:
        return Walk(entries, truncated=False)  # absent: nothing was written there
    stack: list[tuple[int, str, int]] = [(top, "", 0)]
    truncated = False
    try:
        while stack:
            fd, prefix, depth = stack.pop()
            try:
                with os.scandir(fd) as listing:
                    for item in listing:
                        if len(entries) >= max_entries:
                            truncated = True
                            break
                        entries.append(_entry(fd, item, prefix))
                        if entries[-1].kind == "dir" and descend:
                            if depth + 1 >= max_depth:
                                truncated = True
                                continue
                            try:
                                sub = os.open(item.name, _DIR_FLAGS, dir_fd=fd)
                            except OSError:
                                continue
                            stack.append((sub, prefix + item.name + "/", depth + 1))
            except OSError:
                pass
            finally:
                os.close(fd)
    finally:
        for fd, _prefix, _depth in stack:
            os.close(fd)
    return Walk(entries, truncated)


def _entry(dir_fd: int, item: os.DirEntry[str], prefix: str) -> Entry:
    info = item.stat(follow_symlinks=False)
    target = None
    if stat.S_ISLNK(info.st_mode):
        try:
            target = os.readlink(item.name, dir_fd=dir_fd)
        except OSError:
            target = "?"
    return Entry(prefix + item.name, _kind(info.st_mode), info.st_size, info.st_mtime_ns, target)


def matches(rel: str, pattern: str) -> bool:
    """Path.glob semantics on a relative path: segments match one by one, `**` spans any depth."""
    return _match(PurePosixPath(rel).parts, PurePosixPath(pattern).parts)


def _match(parts: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    if not pattern:
        return not parts
    if pattern[0] == "**":
        return any(_match(parts[i:], pattern[1:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], pattern[0]) and _match(parts[1:], pattern[1:])
