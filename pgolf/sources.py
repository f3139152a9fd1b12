"""PR sources: fetch a PR through git, verify it against the manifest's commit, export it read-only.

`make reproduce PR=N` never runs code it has not pinned. The manifest names the commit that is
judged (RULES.md: "an auditor must take the commit named by the maintainer, not refs/pull/N/head");
this module fetches `refs/pull/N/head` from the configured remote and compares:

- the manifest's commit is the PR head: verified (`pr_head`);
- it is not, but it is on the remote's default branch (a merged record, pinned at a main commit):
  verified (`default_branch`), with a note naming the PR head;
- otherwise the PR moved (or the manifest is wrong): an error, unless `allow_moved`, which exports
  the manifest's commit anyway and records a warning (`moved`).

Remote: `repo` argument > `PGOLF_REPO` (a local mirror path or a URL) > `https://github.com/<repo>.git`
of the manifest's `[source].repo`. Objects are fetched into one bare cache repository; the records
folder is exported with `git archive` to `<cache>/sources/<commit>/<records_folder>` and made
read-only. Every git call goes through pgolf.runner.proc (the one subprocess choke point).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import stat
import tarfile
import tempfile
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field

from pgolf.errors import EnvironmentMissing, UsageError
from pgolf.manifest import Manifest, SourceRef
from pgolf.runner import proc

DEFAULT_BRANCH = "refs/heads/main"
_FULL_SHA = re.compile(r"[0-9a-f]{40}")
_FETCH_TIMEOUT_S = 1800.0  # a first fetch of the whole competition repository is large


class SourceError(UsageError):
    """The manifest and the repository disagree, or the manifest lacks what an export needs."""


class ExportedSource(BaseModel):
    """A records folder exported from a verified commit (what the run report records as provenance)."""

    model_config = ConfigDict(frozen=True)

    pr: int
    remote: str  # credentials, if the URL had any, are removed
    ref: str
    head: str  # what `ref` pointed at when fetched
    commit: str  # the exported commit (the manifest's, expanded to 40 hex)
    tree: str  # git tree id of the records folder at `commit`: the content's identity
    records_folder: str
    path: Path  # the read-only exported folder
    content: str  # folder_digest(path)
    verified: Literal["pr_head", "default_branch", "moved"]
    warnings: list[str] = Field(default_factory=list)


def cache_root() -> Path:
    """`$PGOLF_CACHE`, else `$XDG_CACHE_HOME/pgolf`, else `~/.cache/pgolf`."""
    if os.environ.get("PGOLF_CACHE"):
        return Path(os.environ["PGOLF_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pgolf"


def remote_url(source: SourceRef | PinnedSource, repo: str | None = None) -> str:
    """The remote to fetch from: the argument, then PGOLF_REPO, then GitHub's copy of `source.repo`."""
    chosen = repo or os.environ.get("PGOLF_REPO")
    if not chosen:
        return f"https://github.com/{source.repo}.git"
    if "://" in chosen or chosen.startswith("git@"):
        return chosen
    path = Path(chosen).expanduser()
    if not path.exists():
        raise UsageError(f"PGOLF_REPO / --repo {chosen!r}: not a URL and no such local mirror")
    return str(path.resolve())


def redact(url: str) -> str:
    """Drop user:password@ from a URL, so a token in PGOLF_REPO never reaches a report."""
    parts = urlsplit(url)
    if not parts.netloc or "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class GitCache:
    """A bare repository that holds fetched objects; refs live under refs/pgolf/<remote-key>/."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._git = proc.which("git", "install git (apt-get install git) to fetch PR sources")

    def git(self, *args: str, timeout_s: float = 120.0) -> str:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true"}  # never wait for a password
        return proc.run([self._git, "--git-dir", str(self.root), *args], env=env, timeout_s=timeout_s).output

    def ensure(self) -> None:
        if not (self.root / "HEAD").is_file():
            self.root.mkdir(parents=True, exist_ok=True)
            self.git("init", "--bare", "--quiet")

    def fetch(self, remote: str, ref: str) -> str:
        """Fetch `ref` from `remote` into a namespaced local ref; returns the commit it points at."""
        key = hashlib.sha256(redact(remote).encode()).hexdigest()[:12]
        local = f"refs/pgolf/{key}/{ref.removeprefix('refs/')}"
        try:
            # --update-shallow: the remote may be a shallow mirror (the challenge snapshot is one).
            self.git(
                "fetch",
                "--quiet",
                "--no-tags",
                "--update-shallow",
                remote,
                f"+{ref}:{local}",
                timeout_s=_FETCH_TIMEOUT_S,
            )
        except proc.CommandFailed as exc:
            raise EnvironmentMissing(f"cannot fetch {ref} from {redact(remote)}: {exc.output.strip()[-300:]}") from exc
        return self.git("rev-parse", "--verify", f"{local}^{{commit}}").strip()

    def resolve(self, rev: str) -> str | None:
        try:
            return self.git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").strip() or None
        except proc.CommandFailed:
            return None

    def is_ancestor(self, older: str, newer: str) -> bool:
        try:
            self.git("merge-base", "--is-ancestor", older, newer)
        except proc.CommandFailed:
            return False
        return True

    def changed_paths(self, old: str, new: str, under: str) -> list[tuple[str, str]]:
        """(status, path) of every file that differs between two trees below `under` (two-dot: the
        snapshot is shallow, so there may be no merge base to diff against)."""
        out = self.git("diff", "--no-renames", "--name-status", "-z", old, new, "--", under)
        fields = out.split("\0")
        return [(status, path) for status, path in zip(fields[0::2], fields[1::2], strict=False) if path]

    def tree_of(self, commit: str, folder: str) -> str | None:
        try:
            kind = self.git("cat-file", "-t", f"{commit}:{folder}").strip()
        except proc.CommandFailed:
            return None
        return self.git("rev-parse", f"{commit}:{folder}").strip() if kind == "tree" else None


def unknown_facts(manifest: Manifest) -> list[str]:
    """What the manifest's author could not establish (its `unknown` list, plus a missing commit)."""
    missing = ["the PR head commit ([source].commit)"] if manifest.source and manifest.source.commit is None else []
    facts = [u.rstrip(". ") for u in manifest.unknown]
    return [*facts, *(m for m in missing if not any("commit" in u for u in facts))]


class PinnedSource(BaseModel):
    """A manifest source whose commit is known: the only kind pgolf fetches and exports."""

    model_config = ConfigDict(frozen=True)

    repo: str
    commit: str
    records_folder: str


def manifest_source(manifest: Manifest) -> PinnedSource:
    """The manifest's [source], or a refusal saying what is missing (never a guess)."""
    if manifest.source is None:
        raise SourceError(f"manifest {manifest.name} has no [source]: it runs a local folder, not a PR")
    unknown = unknown_facts(manifest)
    if unknown:
        raise SourceError(
            f"manifest {manifest.name} is incomplete, so pgolf will not reproduce it; unknown: {'; '.join(unknown)}. "
            "Establish each fact, write it into the manifest and remove it from `unknown`."
        )
    commit = manifest.source.commit
    assert commit is not None  # unknown_facts() lists a missing commit, refused just above
    return PinnedSource(repo=manifest.source.repo, commit=commit, records_folder=manifest.source.records_folder)


def _verify(
    cache: GitCache, remote: str, pr: int, source: PinnedSource, head: str | None, allow_moved: bool
) -> tuple[str, Literal["pr_head", "default_branch", "moved"], list[str]]:
    commit = cache.resolve(source.commit)
    if head is not None and commit == head:
        return commit, "pr_head", []
    main_tip = cache.fetch(remote, DEFAULT_BRANCH)
    commit = commit or cache.resolve(source.commit)
    if commit is None and _FULL_SHA.fullmatch(source.commit):
        # GitHub serves a reachable commit by its full id even when no fetched ref contains it;
        # a failure here is reported just below as "not found".
        with contextlib.suppress(proc.CommandFailed):
            cache.git("fetch", "--quiet", "--no-tags", remote, source.commit, timeout_s=_FETCH_TIMEOUT_S)
        commit = cache.resolve(source.commit)
    where = f"refs/pull/{pr}/head ({head[:12]})" if head else f"refs/pull/{pr}/head (absent)"
    if commit is None:
        raise SourceError(
            f"manifest commit {source.commit} of PR #{pr} is not in {where} nor on "
            f"{DEFAULT_BRANCH} of {redact(remote)}: fix [source].commit (pgolf does not guess a commit)"
        )
    if cache.is_ancestor(commit, main_tip):
        return (
            commit,
            "default_branch",
            [f"PR head is {head or 'absent'}; the manifest pins {commit} on {DEFAULT_BRANCH}"],
        )
    if head is None:
        raise EnvironmentMissing(f"cannot fetch refs/pull/{pr}/head from {redact(remote)}, and {commit} is not on main")
    moved = f"refs/pull/{pr}/head is {head}, the manifest pins {commit}"
    if not allow_moved:
        raise SourceError(f"{moved}: the PR moved since the manifest was written; re-check it, or pass --allow-moved")
    return commit, "moved", [f"{moved}; exported the manifest's commit (--allow-moved)"]


def resolve_pr(
    pr: int, manifest: Manifest, repo: str | None = None, *, allow_moved: bool = False, root: Path | None = None
) -> ExportedSource:
    """Fetch, verify and export PR `pr` as the manifest describes it (see the module docstring)."""
    if manifest.pr is not None and manifest.pr != pr:
        raise SourceError(f"manifest {manifest.name} is for PR #{manifest.pr}, not #{pr}")
    source = manifest_source(manifest)
    content = manifest.source.content if manifest.source is not None else None
    return resolve_pinned(pr, source, repo, allow_moved=allow_moved, root=root, content=content)


def resolve_pinned(
    pr: int,
    source: PinnedSource,
    repo: str | None = None,
    *,
    allow_moved: bool = False,
    root: Path | None = None,
    content: str | None = None,
) -> ExportedSource:
    """Fetch PR `pr`, verify the pinned commit against its head (or main), export the folder."""
    remote = remote_url(source, repo)
    base = root or cache_root()
    cache = GitCache(base / "git")
    cache.ensure()
    ref = f"refs/pull/{pr}/head"
    try:
        head: str | None = cache.fetch(remote, ref)
    except EnvironmentMissing:
        head = None  # a merged PR pinned at a main commit may have no head in a mirror: _verify decides
    commit, verified, warnings = _verify(cache, remote, pr, source, head, allow_moved)
    tree = cache.tree_of(commit, source.records_folder)
    if tree is None:
        raise SourceError(f"{source.records_folder} is not a folder at commit {commit} of {redact(remote)}")
    path = export_folder(cache, commit, source.records_folder, base / "sources")
    digest = folder_digest(path)
    if content not in (None, digest):
        raise SourceError(
            f"{source.records_folder} at {commit[:12]} has content {digest[:19]}, the manifest pins "
            f"{(content or '')[:19]}: the manifest does not describe this commit"
        )
    return ExportedSource(
        pr=pr,
        remote=redact(remote),
        ref=ref,
        head=head or "",
        commit=commit,
        tree=tree,
        records_folder=source.records_folder,
        path=path,
        content=digest,
        verified=verified,
        warnings=warnings,
    )


def export_folder(cache: GitCache, commit: str, folder: str, sources: Path) -> Path:
    """`git archive` one folder of a commit into `<sources>/<commit>/<folder>`, read-only; reused if present."""
    target = sources / commit / folder
    if target.is_dir():  # a commit's tree never changes, and exports are renamed into place whole
        make_read_only(target)
        return target
    sources.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=sources, prefix=".export-") as tmp:
        tarball = Path(tmp) / "folder.tar"
        cache.git("archive", "--format=tar", "-o", str(tarball), commit, "--", folder, timeout_s=600.0)
        unpacked = Path(tmp) / "tree"
        with tarfile.open(tarball) as tar:
            tar.extractall(unpacked, filter="data")  # refuses absolute paths and links leaving the folder
        target.parent.mkdir(parents=True, exist_ok=True)
        # Moving a folder to a new parent needs write permission on it (its ".." entry): chmod after.
        (unpacked / folder).rename(target)
    make_read_only(target)
    return target


def folder_digest(folder: Path) -> str:
    """`sha256:<hex>` over every file's relative path and git blob id, in path order.

    Content only (no modes, no times): an export of a commit and a checkout of it agree, so a
    `--source DIR` can be verified against the commit a manifest pins without the repository.
    Symlinks count by their target text, as git stores them.
    """
    entries = []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        here = Path(dirpath)
        for name in filenames + [d for d in dirnames if (here / d).is_symlink()]:
            path = here / name
            data = str(path.readlink()).encode() if path.is_symlink() else path.read_bytes()
            blob = hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
            entries.append(f"{path.relative_to(folder).as_posix()}\0{blob}\n")
    return "sha256:" + hashlib.sha256("".join(sorted(entries)).encode()).hexdigest()


def verify_source_dir(manifest: Manifest, folder: Path) -> list[str]:
    """Check a `--source DIR` against the manifest's pinned content; the notes for the run's evidence.

    Raises SourceError on a mismatch. A manifest without a content digest (a hand-written one)
    cannot be verified offline: the note says so.
    """
    if manifest.source is None:
        return [f"--source {folder}: a local manifest pins no commit; the folder is run as it is"]
    want = manifest.source.content
    if want is None:
        return [
            f"--source {folder}: not verified (the manifest pins commit {manifest.source.commit} but no content "
            "digest; `pgolf manifest infer --pr N` writes one)"
        ]
    got = folder_digest(folder)
    if got != want:
        raise SourceError(
            f"--source {folder} is not {manifest.source.records_folder} at commit {manifest.source.commit}: "
            f"content {got[:19]} != {want[:19]} (pass the exported folder, or drop --source to fetch it)"
        )
    return [f"--source {folder}: content matches commit {manifest.source.commit} ({want[:19]}...)"]


def make_read_only(folder: Path) -> None:
    """Files 0444, folders 0555 (the folder itself included): a run copies, it never writes here."""
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        here = Path(dirpath)
        for name in filenames:
            path = here / name
            if not path.is_symlink():
                path.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        for name in dirnames:
            (here / name).chmod(0o555)
    folder.chmod(0o555)


def remove_export(path: Path) -> None:
    """Delete an exported folder (restoring write permission first, which rmtree needs)."""
    for dirpath, _dirnames, _filenames in os.walk(path, followlinks=False):
        Path(dirpath).chmod(0o755)
    shutil.rmtree(path)


# --- PR discovery: which records folder a PR adds ----------------------------------------------------


class PrHead(BaseModel):
    """What `refs/pull/N/head` holds: its commit and the records folder it adds (the one judged)."""

    model_config = ConfigDict(frozen=True)

    pr: int
    remote: str  # redacted
    ref: str
    head: str
    main: str | None  # the default branch's tip the head was compared with
    records_folder: str
    candidates: list[str]  # every folder the head adds (one was chosen)
    how: str  # why this folder


def _records_folder_of(path: str) -> str | None:
    from pgolf.realrepo.snapshot import record_folder_of

    return record_folder_of(path)


def discover_pr(pr: int, repo: str | None = None, *, folder: str | None = None, root: Path | None = None) -> PrHead:
    """Fetch refs/pull/N/head (and main), and find the records folder the PR adds.

    The folders of the paths the head adds (status A against main) that main does not have; with
    several, those holding a submission.json; `folder` chooses explicitly. A PR that adds no folder
    (merged with identical content, or edits only) needs `folder`.
    """
    remote = remote_url(SourceRef(records_folder="records"), repo)
    cache = GitCache((root or cache_root()) / "git")
    cache.ensure()
    ref = f"refs/pull/{pr}/head"
    head = cache.fetch(remote, ref)
    try:
        main: str | None = cache.fetch(remote, DEFAULT_BRANCH)
    except EnvironmentMissing:
        main = None  # a mirror of PR heads only: every folder of the head is a candidate
    if folder is not None:
        if cache.tree_of(head, folder) is None:
            raise SourceError(f"{folder} is not a folder at {ref} ({head[:12]}) of {redact(remote)}")
        return PrHead(
            pr=pr, remote=redact(remote), ref=ref, head=head, main=main, records_folder=folder,
            candidates=[folder], how="named by FOLDER / --folder",
        )  # fmt: skip
    changed = cache.changed_paths(main, head, "records/") if main is not None else []
    # Added files inside a folder main already has are edits of that record, not a new one.
    folders = {f for status, path in changed if status == "A" and (f := _records_folder_of(path)) is not None}
    added = sorted(f for f in folders if main is None or cache.tree_of(main, f) is None)
    if not added:
        raise SourceError(
            f"{ref} ({head[:12]}) adds no records folder relative to {DEFAULT_BRANCH} of {redact(remote)}; "
            "pass the folder (make reproduce PR=N FOLDER=records/<track>/<name>)"
        )
    chosen, how = added, "the only records folder the PR adds"
    if len(added) > 1:
        chosen = [f for f in added if _has_blob(cache, head, f"{f}/submission.json")]
        how = "the only added folder with a submission.json"
    if len(chosen) != 1:
        raise SourceError(
            f"{ref} adds {len(added)} records folders ({', '.join(added)}); choose one with FOLDER=<path>"
        )
    return PrHead(
        pr=pr, remote=redact(remote), ref=ref, head=head, main=main, records_folder=chosen[0],
        candidates=added, how=how,
    )  # fmt: skip


def _has_blob(cache: GitCache, commit: str, path: str) -> bool:
    try:
        return cache.git("cat-file", "-t", f"{commit}:{path}").strip() == "blob"
    except proc.CommandFailed:
        return False
