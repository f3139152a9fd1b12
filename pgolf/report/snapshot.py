"""The submission folder as it was run: its git tree id and a copy inside the run folder.

The tree id is computed the way git computes it (blobs, then trees with git's modes and ordering),
so a reviewer compares it with `git rev-parse COMMIT:records/<track>/<folder>` in the challenge
repository: equal ids mean byte-identical folders. The copy (`run_dir/submission/`) keeps the
submission's own logs and submission.json with the run, for the report's claimed curves, for a
merge on another machine and for the evidence bundle.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
from pathlib import Path

from pgolf.report.model import SourceTree
from pgolf.report.settings import report_limits
from pgolf.runner.model import RunRecord

SNAPSHOT_DIR = "submission"


def _git_object(kind: bytes, body: bytes) -> bytes:
    return hashlib.sha1(kind + b" %d\0" % len(body) + body, usedforsecurity=False).digest()


def _blob_of_file(path: Path) -> bytes:
    size = path.stat().st_size
    digest = hashlib.sha1(b"blob %d\0" % size, usedforsecurity=False)
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.digest()


def _tree(folder: Path) -> bytes | None:
    """The raw tree id of a folder; None for a folder with no file anywhere under it (git stores none)."""
    entries: list[tuple[bytes, bytes, bytes]] = []  # (sort key, mode + name, object id)
    for child in folder.iterdir():
        name = os.fsencode(child.name)
        info = child.lstat()
        if stat.S_ISLNK(info.st_mode):
            entries.append((name, b"120000 " + name, _git_object(b"blob", os.fsencode(child.readlink()))))
        elif stat.S_ISDIR(info.st_mode):
            sub = _tree(child)
            if sub is not None:
                entries.append((name + b"/", b"40000 " + name, sub))
        elif stat.S_ISREG(info.st_mode):
            mode = b"100755 " if info.st_mode & stat.S_IXUSR else b"100644 "
            entries.append((name, mode + name, _blob_of_file(child)))
    if not entries:
        return None
    body = b"".join(head + b"\0" + oid for _, head, oid in sorted(entries))
    return _git_object(b"tree", body)


def git_tree_id(folder: Path) -> str:
    """git's tree object id (sha1 hex) of a folder's contents; the empty tree's id for an empty folder."""
    raw = _tree(folder)
    return raw.hex() if raw is not None else _git_object(b"tree", b"").hex()


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def _selection(source: Path) -> tuple[list[Path], list[str]]:
    """The files a copy keeps (regular files within the size limits, in order) and those it leaves out."""
    limits = report_limits().snapshot
    kept: list[Path] = []
    left_out: list[str] = []
    total = 0
    for path in _files(source):
        size = path.stat().st_size
        if size > limits.max_file_bytes or total + size > limits.max_total_bytes:
            left_out.append(path.relative_to(source).as_posix())
            continue
        total += size
        kept.append(path)
    return kept, left_out


def _copy(source: Path, target: Path) -> list[str]:
    """Copy regular files within the size limits; returns what was left out."""
    kept, left_out = _selection(source)
    staging = target.with_name(target.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    for path in kept:
        rel = path.relative_to(source)
        (staging / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, staging / rel)
        (staging / rel).chmod(path.stat().st_mode & 0o755 | 0o600)  # exported PRs are read-only
    staging.mkdir(parents=True, exist_ok=True)
    staging.rename(target)  # whole or not at all
    return left_out


def _unchanged_since_copy(source: Path, snapshot: Path) -> bool:
    """Would a copy of `source` made now be `snapshot`: the same files, bytes and executable bits?"""
    kept, _ = _selection(source)
    copied = _files(snapshot)
    if [p.relative_to(source) for p in kept] != [p.relative_to(snapshot) for p in copied]:
        return False
    for ours, theirs in zip(kept, copied, strict=True):
        a, b = ours.stat(), theirs.stat()
        if a.st_size != b.st_size or bool(a.st_mode & stat.S_IXUSR) != bool(b.st_mode & stat.S_IXUSR):
            return False
        if _blob_of_file(ours) != _blob_of_file(theirs):
            return False
    return True


def snapshot_source(run: RunRecord, run_dir: Path) -> SourceTree:
    """Identify the submission folder the run used and keep a copy of it in the run folder.

    The source folder is read where it still exists (this machine ran the seeds); otherwise the
    copy made by an earlier report (or brought along by a merge) stands in for it.
    """
    manifest = run.plan.manifest
    commit = manifest.source.commit if manifest.source is not None else None
    records_folder = manifest.source.records_folder if manifest.source is not None else manifest.local_folder
    source = run.plan.specs[0].source_dir if run.plan.specs else None
    snapshot = run_dir / SNAPSHOT_DIR
    left_out: list[str] = []
    note: str | None = None
    if source is not None and source.is_dir() and not snapshot.is_dir():
        left_out = _copy(source, snapshot)
        measured = source
    elif source is not None and source.is_dir() and _unchanged_since_copy(source, snapshot):
        measured = source  # it also hashes files too large for the copy
    elif snapshot.is_dir():
        # The copy was taken when the run's first report was written; a source folder edited since
        # (a later commit of a local folder) is not what ran, so the copy identifies the run.
        measured = snapshot
        note = (
            "identified from the run folder's copy (the source folder is gone)"
            if source is None or not source.is_dir()
            else f"identified from the run folder's copy: the source folder {source} has changed since"
            f" (its tree is now {git_tree_id(source)})"
        )
    else:
        return SourceTree(
            tree_id=None, commit=commit, records_folder=records_folder, note=f"the submission folder {source} is gone"
        )
    files = _files(measured)
    copied = {p.relative_to(snapshot).as_posix() for p in _files(snapshot)}
    left_out = sorted({*left_out, *(p.relative_to(measured).as_posix() for p in files)} - copied)
    return SourceTree(
        tree_id=git_tree_id(measured),
        files=len(files),
        bytes=sum(p.stat().st_size for p in files),
        commit=commit,
        records_folder=records_folder,
        snapshot=SNAPSHOT_DIR,
        not_copied=left_out,
        note=note,
    )
