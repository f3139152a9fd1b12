"""`pgolf ci`: judge a pull request from git objects, never from a checkout of its code.

ANCHORS.md §8: "validate submission.json and folder layout from a trusted base checkout as pure
data; never import or run PR code". So the head version of the new folder is copied blob by blob
out of git's object database into a temporary directory (read-only files; symlinks and
submodules are reported, not recreated), and the runner's working tree is never touched.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pgolf import __version__
from pgolf.ci.diff import REGULAR_MODES, SYMLINK_MODE, Change, GitRepo, TreeEntry
from pgolf.ci.rules import UNREADABLE
from pgolf.ci.schema import schema_result
from pgolf.ci.shape import Shape, analyse, touched_tracks
from pgolf.engine import check_folder
from pgolf.errors import InputError
from pgolf.findings import (
    CheckResult,
    Evidence,
    PolicyName,
    Report,
    Status,
    SubmissionReport,
    worst,
)
from pgolf.ruleset import Ruleset

MAX_BLOB_BYTES = 256 * 1024 * 1024  # a records folder holds ~16 MB of model at most; more is not a submission
PR_PATH = "."  # the PR-level report: evidence paths under it are repo-relative already


@dataclass(frozen=True)
class GateOutcome:
    report: Report
    base: str
    head: str
    merge_base: str
    changes: tuple[Change, ...]
    shape: Shape


def _skip_reason(entry: TreeEntry) -> str | None:
    if entry.mode == SYMLINK_MODE:
        return "is a symlink in the PR; not followed, not copied"
    if entry.kind != "blob" or entry.mode not in REGULAR_MODES:
        return f"is a git {entry.kind} (mode {entry.mode}), not a regular file; not copied"
    if entry.size is not None and entry.size > MAX_BLOB_BYTES:
        return f"is {entry.size} bytes, over the gate's {MAX_BLOB_BYTES}-byte copy cap; not copied"
    return None


def materialize(repo: GitRepo, commit: str, folder: str, dest: Path) -> tuple[Path, list[str]]:
    """Copy `folder` as it is at `commit` to `dest/folder`; return the copy and notes on what was left out.

    The copy keeps the `records/<track>/<name>` shape so the loader finds the track from the path.
    """
    root = dest / folder
    root.mkdir(parents=True)
    notes: list[str] = []
    for entry in repo.tree(commit, folder):
        rel = entry.path[len(folder) + 1 :]
        reason = _skip_reason(entry)
        target = (root / rel).resolve()
        if reason is None and not target.is_relative_to(root.resolve()):
            reason = "escapes the folder; not copied"  # a crafted tree with `..` entries
        if reason is not None:
            notes.append(f"{rel}: {reason}")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(repo.blob(entry.sha))
        target.chmod(0o444)  # checks read; nothing in the gate may write into the PR's files
    return root, notes


def _relocate(result: CheckResult, root: Path) -> CheckResult:
    """Make evidence paths folder-relative: a check that reported an absolute path inside the copy
    would otherwise point annotations at the runner's temporary directory."""
    prefixes = tuple(dict.fromkeys(f"{p}/" for p in (root, root.resolve())))

    def relative(ev: Evidence) -> Evidence:
        path = ev.location.path or ""
        prefix = next((p for p in prefixes if path.startswith(p)), None)
        if prefix is None:
            return ev
        return ev.model_copy(update={"location": ev.location.model_copy(update={"path": path[len(prefix) :]})})

    return result.model_copy(update={"evidence": [relative(ev) for ev in result.evidence]})


@dataclass(frozen=True)
class _Options:
    ruleset: Ruleset
    policy: PolicyName
    select: Sequence[str]
    ignore: Sequence[str]


def _check_new_folder(repo: GitRepo, head: str, folder: str, tmp: Path, opts: _Options) -> SubmissionReport:
    root, notes = materialize(repo, head, folder, tmp)
    results = [schema_result(root)]
    track: str | None = None
    try:
        sub = check_folder(root, opts.ruleset, policy=opts.policy, select=opts.select, ignore=opts.ignore)
    except InputError as exc:  # e.g. no submission.json, code or log at all: a finding, not a usage error
        reason = str(exc).replace(str(root), folder)
        results.append(UNREADABLE.result(Status.FAIL, f"pgolf check cannot read the folder: {reason}"))
    else:
        results += [_relocate(r, root) for r in sub.results]
        track, notes = sub.track, [*notes, *sub.notes]
    return SubmissionReport(
        path=folder,
        track=track,
        status=worst([r.status for r in results if r.status is not Status.SKIP]),
        results=results,
        notes=notes,
    )


def _existing_folders(repo: GitRepo, commits: Sequence[str], tracks: set[str]) -> set[str]:
    """Folders that exist before the PR: at its merge base, or on base since (a name taken meanwhile)."""
    return {name for commit in commits for track in sorted(tracks) for name in repo.names(commit, f"records/{track}")}


def run_gate(
    repo_path: Path,
    base: str,
    head: str,
    ruleset: Ruleset,
    *,
    policy: PolicyName = "readme",
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> GateOutcome:
    """Judge the PR `base...head` in the clone at `repo_path`: its shape, then each new folder."""
    repo = GitRepo(repo_path)
    base_sha, head_sha = repo.resolve(base), repo.resolve(head)
    merge_base = repo.merge_base(base_sha, head_sha)
    changes = repo.changes(base_sha, head_sha)
    tracks = set(ruleset.tracks)
    existing = _existing_folders(repo, (merge_base, base_sha), touched_tracks(changes, tracks))
    shape = analyse(changes, tracks, existing)
    pr = SubmissionReport(
        path=PR_PATH, track=None, status=worst([r.status for r in shape.results]), results=list(shape.results)
    )
    opts = _Options(ruleset, policy, select, ignore)
    with tempfile.TemporaryDirectory(prefix="pgolf-ci-") as tmp:
        folders = [_check_new_folder(repo, head_sha, f, Path(tmp), opts) for f in shape.folders]
    report = Report(pgolf_version=__version__, ruleset=ruleset.id, policy=policy, submissions=[pr, *folders])
    return GateOutcome(report, base_sha, head_sha, merge_base, tuple(changes), shape)
