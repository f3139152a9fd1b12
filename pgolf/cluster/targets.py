"""Resolve `pgolf fanout` targets (PR numbers, manifest names or paths) into submissions to plan.

Each target becomes the manifest `pgolf reproduce` would load for it on this machine, the argument
the node's `pgolf reproduce` receives for the same file, and the submission folder to upload:
- a manifest inside the pgolf checkout (submissions/*.toml) travels with the checkout (SkyPilot's
  workdir), and the node names it by its relative path;
- any other manifest file is uploaded beside the source;
- a PR's folder is exported here, verified against the manifest's commit (pgolf.sources), and
  uploaded, so every node runs the very bytes this side verified (and needs no git access). A dry
  run exports nothing: it shows where the export would be.
What cannot be established is listed in `blocked`, never guessed.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pgolf.errors import PgolfError
from pgolf.manifest import MANIFEST_DIR, Manifest, load_manifest, manifest_path


class Submission(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    requested: str  # what the user typed
    manifest: Manifest
    manifest_file: Path
    target: str  # the node's MANIFEST_OR_PR argument
    in_workdir: bool
    source_dir: Path | None  # exported folder, the planned export path (dry run), or None (local_folder)
    # The submission folder on this machine with the bytes the node runs: the export, or a manifest's
    # local_folder in the checkout. Copy-back keeps a snapshot of it with every seed (for the report).
    local_dir: Path | None = None
    blocked: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)


def _relative(path: Path, root: Path) -> str | None:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _source(manifest: Manifest, export: bool, repo: str | None) -> tuple[Path | None, list[str], list[str]]:
    """(folder to upload, blockers, notes) for a PR manifest; (None, [], []) for a local_folder one."""
    if manifest.source is None or manifest.pr is None:
        return None, [], []
    from pgolf import sources

    unknown = sources.unknown_facts(manifest)
    if unknown:
        return None, [f"manifest lists unknown facts: {'; '.join(unknown)}"], []
    pinned = sources.manifest_source(manifest)
    if not export:
        return sources.cache_root() / "sources" / pinned.commit / pinned.records_folder, [], []
    try:
        exported = sources.resolve_pr(manifest.pr, manifest, repo)
    except PgolfError as exc:
        return None, [f"source export failed: {exc}"], []
    return exported.path, [], list(exported.warnings)


def _inferred(requested: str, pr: int, workdir: Path, repo: str | None) -> Submission:
    """A PR with no manifest file: inferred from the PR's own folder (pgolf.infer), which is fetched and
    exported here even in a dry run (as `pgolf reproduce --dry-run` does); the inferred manifest is
    written beside the cache and uploaded, and the node checks `--source` against its content digest."""
    from pgolf import sources
    from pgolf.infer.pr import infer_pr
    from pgolf.infer.render import manifest_toml

    found = infer_pr(pr, repo=repo, override_path=None)
    manifest = found.inference.manifest
    file = sources.cache_root() / "manifests" / f"{manifest.name}-{found.exported.commit[:12]}.toml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(manifest_toml(manifest, found.inference), encoding="utf-8")
    return Submission(
        requested=requested,
        manifest=manifest,
        manifest_file=file,
        target="",  # filled by the planner with the upload path
        in_workdir=False,
        source_dir=found.exported.path,
        local_dir=found.exported.path,
        notes=[f"manifest inferred from {found.exported.ref} ({found.exported.commit[:12]})", *found.exported.warnings],
    )


def resolve(requested: str, workdir: Path, *, export: bool, repo: str | None = None) -> Submission:
    """One target. Raises UsageError/InputError (exit 2) for a missing or malformed manifest."""
    from pgolf.infer.target import pr_number

    pr = pr_number(requested)
    if pr is not None and not manifest_path(requested, workdir).is_file():
        return _inferred(requested, pr, workdir, repo)
    manifest = load_manifest(requested, workdir)
    file = manifest_path(requested, workdir).resolve()
    inside = _relative(file, workdir)
    source_dir, blocked, notes = _source(manifest, export, repo)
    local = source_dir
    if manifest.local_folder is not None:
        local = manifest.folder(file.parent.parent if file.parent.name == MANIFEST_DIR.name else workdir)
    return Submission(
        requested=requested,
        manifest=manifest,
        manifest_file=file,
        target=inside if inside is not None else "",  # filled by the planner with the upload path
        in_workdir=inside is not None,
        source_dir=source_dir,
        local_dir=local,
        blocked=blocked,
        notes=notes,
    )
