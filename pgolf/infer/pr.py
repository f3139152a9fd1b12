"""A PR number -> the manifest that reproduces it: fetch, find the folder, export, infer, override.

`refs/pull/N/head` is fetched from GitHub (or PGOLF_REPO / --repo: a mirror or the unpacked
challenge snapshot), the records folder it adds is exported read-only from that commit, and the
manifest is inferred from the folder's own files (pgolf.infer.folder). An optional override file
(`submissions/prN.toml`) is merged over it; when it pins `[source].commit`, that commit is verified
against the PR head or main instead (a merged record pinned at a main commit).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pgolf.infer.folder import infer
from pgolf.infer.model import Fact, Inference
from pgolf.infer.overrides import apply_override, read_override
from pgolf.manifest import SourceRef
from pgolf.sources import ExportedSource, PinnedSource, discover_pr, manifest_source, resolve_pinned


class PrInference(BaseModel):
    model_config = ConfigDict(frozen=True)

    inference: Inference
    exported: ExportedSource
    how: str  # how the folder was chosen


def _pinned_by(override: dict[str, object]) -> tuple[str | None, str | None]:
    table = override.get("source")
    if not isinstance(table, dict):
        return None, None
    commit, folder = table.get("commit"), table.get("records_folder")
    return (commit if isinstance(commit, str) else None, folder if isinstance(folder, str) else None)


def infer_pr(
    pr: int,
    *,
    repo: str | None = None,
    folder: str | None = None,
    override_path: Path | None = None,
    allow_moved: bool = False,
    root: Path | None = None,
) -> PrInference:
    override = read_override(override_path) if override_path is not None and override_path.is_file() else {}
    commit, pinned_folder = _pinned_by(override)
    if commit is not None:
        records_folder = folder or pinned_folder
        if records_folder is None:
            records_folder = discover_pr(pr, repo, root=root).records_folder
        how = f"[source] of {override_path}"
    else:
        head = discover_pr(pr, repo, folder=folder or pinned_folder, root=root)
        commit, records_folder, how = head.head, head.records_folder, head.how
    exported = resolve_pinned(
        pr,
        PinnedSource(repo="openai/parameter-golf", commit=commit, records_folder=records_folder),
        repo,
        allow_moved=allow_moved,
        root=root,
    )
    source = SourceRef(commit=exported.commit, records_folder=exported.records_folder, content=exported.content)
    inference = infer(exported.path, pr=pr, source=source)
    provenance = [
        Fact(
            key="source.commit",
            value=exported.commit,
            source=f"{exported.ref} of {exported.remote} ({exported.verified})",
        ),
        Fact(key="source.records_folder", value=exported.records_folder, source=how),
        Fact(key="source.content", value=exported.content, source=f"the files exported to {exported.path}"),
    ]
    inference = inference.model_copy(
        update={"facts": [*provenance, *inference.facts], "warnings": [*exported.warnings, *inference.warnings]}
    )
    if override:
        inference = apply_override(inference, override, str(override_path))
        manifest_source(inference.manifest)  # an override's `unknown` list still refuses the run
    return PrInference(inference=inference, exported=exported, how=how)
