"""`pgolf manifest infer FOLDER | --pr N`: the manifest pgolf infers, as TOML on stdout.

The inference itself lives in pgolf.infer (README command and env block, submission.json seeds and
claims, the logs' dataset facts, the image from the stated torch versions, the tools the code calls);
each value carries its source as a comment, and conflicts between sources are listed with the
choice made. With `--pr N` the PR is fetched (GitHub, or PGOLF_REPO / --repo) and the folder it adds
is exported first, so the manifest pins the head commit and the folder's content digest.
"""

from __future__ import annotations

from pathlib import Path

import click

from pgolf.errors import UsageError
from pgolf.infer.command import RunCommand, find_command, parse_command
from pgolf.infer.folder import infer
from pgolf.infer.render import manifest_toml
from pgolf.manifest import SourceRef

__all__ = ["RunCommand", "draft_manifest", "find_command", "manifest", "parse_command"]


def draft_manifest(
    path: Path, *, pr: int | None = None, commit: str | None = None, records_folder: str | None = None
) -> str:
    """The inferred manifest of a local folder as TOML; a [source] table when commit and folder are given."""
    source = SourceRef(commit=commit, records_folder=records_folder) if commit and records_folder else None
    inference = infer(path, pr=pr, source=source)
    return manifest_toml(inference.manifest, inference)


@click.group()
def manifest() -> None:
    """Submission manifests (submissions/<name>.toml)."""


@manifest.command(name="infer")
@click.argument("folder", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--pr", type=int, default=None, help="the PR number: without FOLDER, fetch the PR and infer from it")
@click.option("--repo", default=None, help="git remote or mirror for --pr (default: PGOLF_REPO, else GitHub)")
@click.option("--folder", "records_folder", default=None, help="the records folder inside the repository")
@click.option("--commit", default=None, help="with FOLDER: the verified commit to pin in [source]")
def infer_cmd(
    folder: Path | None, pr: int | None, repo: str | None, records_folder: str | None, commit: str | None
) -> int:
    """Print the manifest inferred from FOLDER, or from PR N's own folder (--pr N)."""
    if folder is not None:
        click.echo(draft_manifest(folder, pr=pr, commit=commit, records_folder=records_folder), nl=False)
        return 0
    if pr is None:
        raise UsageError("give a FOLDER or --pr N")
    from pgolf.infer.pr import infer_pr

    found = infer_pr(pr, repo=repo, folder=records_folder)
    click.echo(manifest_toml(found.inference.manifest, found.inference), nl=False)
    return 0
