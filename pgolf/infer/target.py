"""`pgolf reproduce TARGET`: a PR number, a manifest name or a manifest file -> manifest + folder.

- `2135` / `pr2135`: the PR itself (pgolf.infer.pr); `submissions/pr2135.toml`, when present, is an
  override merged over what the PR's folder states;
- `example`, `path/to/manifest.toml`: a complete manifest, run from its local folder or its pinned
  `[source]` (fetched and verified by pgolf.sources).

`--source DIR` runs an already exported folder instead of fetching one, after checking that its
content is the pinned commit's (pgolf.sources.verify_source_dir).
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pgolf.errors import UsageError
from pgolf.infer.model import Inference
from pgolf.manifest import MANIFEST_DIR, Manifest, load_manifest, manifest_path

_PR = re.compile(r"^(?:pr-?)?(\d+)$")


class Target(BaseModel):
    model_config = ConfigDict(frozen=True)

    manifest: Manifest
    source_dir: Path
    inference: Inference | None = None
    origin: str  # what TARGET resolved to
    notes: list[str] = Field(default_factory=list)  # provenance for the run's evidence


def pr_number(target: str) -> int | None:
    m = _PR.match(target)
    return int(m[1]) if m else None


def _override_file(pr: int, root: Path) -> Path | None:
    """`submissions/prN.toml` (or a manifest whose `pr = N`), if there is one."""
    path = manifest_path(str(pr), root)
    return path if path.is_file() else None


def resolve_target(
    target: str,
    *,
    repo: str | None = None,
    folder: str | None = None,
    source: Path | None = None,
    allow_moved: bool = False,
    root: Path | None = None,
) -> Target:
    """A dry run resolves the same way (git fetches included): it is as strict as the run."""
    from pgolf import sources

    base = root or Path.cwd()
    pr = pr_number(target)
    if pr is not None:
        from pgolf.infer.pr import infer_pr

        override = _override_file(pr, base)
        found = infer_pr(pr, repo=repo, folder=folder, override_path=override, allow_moved=allow_moved)
        manifest = found.inference.manifest
        notes = [
            f"PR #{pr}: {found.exported.ref} of {found.exported.remote} is {found.exported.head or 'absent'}; "
            f"exported {found.exported.commit} ({found.exported.verified}), folder {found.exported.records_folder}",
            *found.exported.warnings,
        ]
        where = found.exported.path
        if source is not None:
            notes += sources.verify_source_dir(manifest, source.resolve())
            where = source.resolve()
        origin = f"PR #{pr}" + (f" with the override {override}" if override else "")
        return Target(manifest=manifest, source_dir=where, inference=found.inference, origin=origin, notes=notes)
    manifest = load_manifest(target, base)
    file = manifest_path(target, base).resolve()
    if source is not None:
        notes = sources.verify_source_dir(manifest, source.resolve())
        return Target(manifest=manifest, source_dir=source.resolve(), origin=str(file), notes=notes)
    if manifest.local_folder is not None:
        repo_root = file.parent.parent if file.parent.name == MANIFEST_DIR.name else base
        local = manifest.folder(repo_root)
        if local is None or not local.is_dir():
            raise UsageError(f"manifest {manifest.name}: local_folder {manifest.local_folder} is not a folder")
        return Target(manifest=manifest, source_dir=local, origin=str(file))
    if manifest.pr is None or manifest.source is None:
        raise UsageError(f"manifest {manifest.name} has neither local_folder nor a PR source")
    exported = sources.resolve_pr(manifest.pr, manifest, repo, allow_moved=allow_moved)
    notes = [f"exported {exported.commit} ({exported.verified}) from {exported.remote}", *exported.warnings]
    return Target(manifest=manifest, source_dir=exported.path, origin=str(file), notes=notes)
