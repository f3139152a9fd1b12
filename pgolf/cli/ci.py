"""`pgolf ci` (the records repository's PR gate) and `pgolf precommit` (the participant's hook)."""

from __future__ import annotations

from pathlib import Path

import click

from pgolf.ci.gate import run_gate
from pgolf.ci.output import emit_summary, summary, workflow_commands
from pgolf.ci.precommit import run_precommit
from pgolf.cli.check import exit_code_for
from pgolf.cli.options import split_names
from pgolf.findings import POLICIES, PolicyName
from pgolf.render import RENDERERS
from pgolf.ruleset import load_ruleset

_POLICY = click.Choice(POLICIES)


@click.command()
@click.option("--base", required=True, help="the PR's base: a commit, branch or tag (e.g. the base SHA)")
@click.option("--head", required=True, help="the PR's head commit")
@click.option(
    "--repo",
    "repo",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path(),
    show_default=True,
    help="the records repository (a clone holding both commits)",
)
@click.option(
    "--policy",
    type=_POLICY,
    default="readme",
    show_default=True,
    help="which named policy decides the exit code (both are always reported)",
)
@click.option("--ruleset", "ruleset_id", default=None, help="ruleset id (default: the newest)")
@click.option("--select", multiple=True, help="only these catalogue checks (code, slug, rule id or kind)")
@click.option("--ignore", multiple=True, help="skip these catalogue checks (code, slug, rule id or kind)")
@click.option(
    "--summary",
    "summary_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="write the Markdown summary here (default: $GITHUB_STEP_SUMMARY, else stdout)",
)
def ci(  # click passes options by name
    *,
    base: str,
    head: str,
    repo: Path,
    policy: PolicyName,
    ruleset_id: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    summary_file: Path | None,
) -> int:
    """Gate a records PR: one new folder, a valid submission.json, pgolf check; never runs its code."""
    click.echo(f"pgolf ci: {repo} {base}...{head}", err=True)
    outcome = run_gate(
        repo,
        base,
        head,
        load_ruleset(ruleset_id),
        policy=policy,
        select=split_names(select),
        ignore=split_names(ignore),
    )
    click.echo(workflow_commands(outcome.report), nl=False)
    click.echo(emit_summary(summary(outcome), summary_file), nl=False)
    return exit_code_for(outcome.report)


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--policy", type=_POLICY, default="readme", show_default=True)
@click.option("--ruleset", "ruleset_id", default=None, help="ruleset id (default: the newest)")
@click.option("--schema-only", is_flag=True, help="only validate each folder's submission.json")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
def precommit(
    *, files: tuple[Path, ...], policy: PolicyName, ruleset_id: str | None, schema_only: bool, fmt: str
) -> int:
    """Check the records folders that FILES (as pre-commit passes them) belong to, each once."""
    report = run_precommit(
        [f.as_posix() for f in files], load_ruleset(ruleset_id), policy=policy, schema_only=schema_only
    )
    if report.submissions:
        click.echo(RENDERERS[fmt](report), nl=False)
    return exit_code_for(report)
