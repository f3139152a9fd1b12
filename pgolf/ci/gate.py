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

from pgolf import __version__, suppress
from pgolf.baseline import baseline_from_folder
from pgolf.ci.diff import REGULAR_MODES, SYMLINK_MODE, Change, GitRepo, TreeEntry
from pgolf.ci.rules import UNREADABLE
from pgolf.ci.schema import schema_result
from pgolf.ci.shape import Shape, analyse, touched_tracks
from pgolf.config import CONFIG_NAMES, MAX_CONFIG_BYTES, Config, parse_config
from pgolf.engine import check_folder
from pgolf.errors import InputError, UsageError
from pgolf.findings import CheckResult, Evidence, PolicyName, Report, Status, SubmissionReport, verdict
from pgolf.folder import MAX_FILES, listing_order
from pgolf.ruleset import Ruleset
from pgolf.stats import Baseline

MAX_BLOB_BYTES = 256 * 1024 * 1024  # a records folder holds ~16 MB of model at most; more is not a submission
MAX_COPIED_FILES = MAX_FILES  # the folder loader lists no more than this anyway
MAX_COPIED_BYTES = 1024 * 1024 * 1024
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


def _path_reason(rel: str, files: set[str], dirs: set[str]) -> str | None:
    """Why a crafted tree's entry cannot be written as-is: `.`/`..`/empty components, a name that
    is both a file and a folder, or a name listed twice (git's own checks reject these trees,
    but the objects can still be pushed)."""
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts) or "\0" in rel:
        return "has an empty, '.' or '..' path component; not copied"
    if rel in files:
        return "appears twice in the tree; the first one was copied"
    if rel in dirs:
        return "is a file and a folder of the same name in the tree; the folder was kept"
    clash = next(("/".join(parts[:n]) for n in range(1, len(parts)) if "/".join(parts[:n]) in files), None)
    if clash is not None:
        return f"lies under {clash}, which the tree also has as a file; not copied"
    return None


def _copy_order(entry: TreeEntry, folder: str) -> tuple[int, tuple[int, str]]:
    """Shallow first, required kinds first: the copy cap never leaves out submission.json, README,
    code or logs for the sake of padding files."""
    rel = entry.path[len(folder) + 1 :]
    return rel.count("/"), listing_order(rel.rsplit("/", 1)[-1])


def _capped(entries: list[TreeEntry], folder: str, notes: list[str]) -> list[TreeEntry]:
    ordered = sorted(entries, key=lambda e: _copy_order(e, folder))
    kept: list[TreeEntry] = []
    total = 0
    for entry in ordered:
        total += entry.size or 0
        if len(kept) >= MAX_COPIED_FILES or total > MAX_COPIED_BYTES:
            break
        kept.append(entry)
    left = ordered[len(kept) :]
    if left:
        shown = ", ".join(e.path[len(folder) + 1 :] for e in left[:5]) + (", ..." if len(left) > 5 else "")
        notes.append(
            f"{len(left)} file(s) not copied: over the gate's cap of {MAX_COPIED_FILES} files or "
            f"{MAX_COPIED_BYTES} bytes per folder ({shown})"
        )
    return kept


def materialize(repo: GitRepo, commit: str, folder: str, dest: Path) -> tuple[Path, list[str]]:
    """Copy `folder` as it is at `commit` to `dest/folder`; return the copy and notes on what was left out.

    The copy keeps the `records/<track>/<name>` shape so the loader finds the track from the path.
    Blobs come through one `git cat-file --batch`; nothing is written outside the copy.
    """
    root = dest / folder
    root.mkdir(parents=True)
    notes: list[str] = []
    wanted: list[TreeEntry] = []
    for entry in repo.tree(commit, folder):
        reason = _skip_reason(entry)
        if reason is None:
            wanted.append(entry)
        else:
            notes.append(f"{entry.path[len(folder) + 1 :]}: {reason}")
    files: set[str] = set()
    dirs: set[str] = set()
    with repo.blob_reader() as blobs:
        for entry in _capped(wanted, folder, notes):
            rel = entry.path[len(folder) + 1 :]
            reason = _path_reason(rel, files, dirs)
            if reason is not None:
                notes.append(f"{rel}: {reason}")
                continue
            parts = rel.split("/")
            dirs.update("/".join(parts[:n]) for n in range(1, len(parts)))
            files.add(rel)
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blobs.read(entry.sha))
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
    config: Config  # rooted at the temporary copy, so per-path globs see records/<track>/<folder>
    baseline: Baseline | None


def _check_new_folder(repo: GitRepo, head: str, folder: str, tmp: Path, opts: _Options) -> SubmissionReport:
    root, notes = materialize(repo, head, folder, tmp)
    own = [schema_result(root, shown_as=folder)]
    results: list[CheckResult] = []
    track: str | None = None
    try:
        sub = check_folder(
            root,
            opts.ruleset,
            policy=opts.policy,
            baseline=opts.baseline,
            config=opts.config,
            # A new PR is judged under every ruling of the ruleset (as `pgolf check --ruleset ID`):
            # its submission.json date and folder name are the PR's to write, so neither may
            # grandfather it past a ruling. (The pre-commit hook judges each folder by its date.)
            as_of=opts.ruleset.date,
            # An inline `# pgolf: ignore[...]` comment is written by the PR under review: shown, and
            # honoured only where the records repository's own config says so.
            inline_applied=opts.config.inline == "apply",
        )
    except InputError as exc:  # e.g. no submission.json, code or log at all: a finding, not a usage error
        reason = str(exc).replace(str(root), folder)
        own.append(UNREADABLE.result(Status.FAIL, f"pgolf check cannot read the folder: {reason}"))
    else:
        results = [_relocate(r, root) for r in sub.results]
        track, notes = sub.track, [*notes, *sub.notes]
    results = [*suppress.apply(own, opts.config, folder=folder), *results]
    return SubmissionReport(path=folder, track=track, status=verdict(results), results=results, notes=notes)


def _existing_folders(repo: GitRepo, commits: Sequence[str], tracks: set[str]) -> set[str]:
    """Folders that exist before the PR: at its merge base, or on base since (a name taken meanwhile)."""
    return {name for commit in commits for track in sorted(tracks) for name in repo.names(commit, f"records/{track}")}


def config_at(repo: GitRepo, commit: str, path: str | None = None) -> Config:
    """The records repository's config as it is at `commit` (the PR's base), never from the working
    tree: on a `pull_request` run the checkout is the PR's merge, so its files are the PR's to write.

    `path` names the file (e.g. `.github/pgolf.toml`); by default `.pgolf.toml`, else pyproject.toml.
    """
    for name in [path] if path else CONFIG_NAMES:
        data = repo.file_at(commit, name)
        if data is None and path:
            raise UsageError(f"{path}: no such file at the base commit {commit[:12]}")
        if data is None or len(data) > MAX_CONFIG_BYTES:
            continue
        found = parse_config(data.decode("utf-8", "replace"), Path(name), where="at base")
        if found is not None:
            return found
    return Config()


def _baseline(repo: GitRepo, base: str, config: Config, tmp: Path, ruleset: Ruleset) -> Baseline | None:
    """The config's SIGNIFICANCE baseline folder, copied out of the base commit like the PR's folder."""
    if not config.baseline:
        return None
    root, _ = materialize(repo, base, config.baseline.strip("/"), tmp / "baseline")
    return baseline_from_folder(root, ruleset)


def run_gate(
    repo_path: Path,
    base: str,
    head: str,
    ruleset: Ruleset,
    *,
    policy: PolicyName = "readme",
    config: Config | None = None,
) -> GateOutcome:
    """Judge the PR `base...head` in the clone at `repo_path`: its shape, then each new folder.

    `config` defaults to the one committed at base (`config_at`); its ignores mark findings as
    suppressed, with their reasons, and never remove them from the report.
    """
    repo = GitRepo(repo_path)
    base_sha, head_sha = repo.resolve(base), repo.resolve(head)
    merge_base = repo.merge_base(base_sha, head_sha)
    changes = repo.changes(base_sha, head_sha)
    config = config_at(repo, base_sha) if config is None else config
    tracks = set(ruleset.tracks)
    existing = _existing_folders(repo, (merge_base, base_sha), touched_tracks(changes, tracks))
    shape = analyse(changes, tracks, existing)
    gate_results = suppress.apply(shape.results, config, folder=None)
    pr = SubmissionReport(path=PR_PATH, track=None, status=verdict(gate_results), results=gate_results)
    with tempfile.TemporaryDirectory(prefix="pgolf-ci-") as tmp:
        rooted = config.model_copy(update={"root": Path(tmp)})
        opts = _Options(ruleset, policy, rooted, _baseline(repo, base_sha, config, Path(tmp), ruleset))
        folders = [_check_new_folder(repo, head_sha, f, Path(tmp), opts) for f in shape.folders]
    report = Report(pgolf_version=__version__, ruleset=ruleset.id, policy=policy, submissions=[pr, *folders])
    return GateOutcome(report, base_sha, head_sha, merge_base, tuple(changes), shape)
