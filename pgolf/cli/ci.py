"""`pgolf ci` (the records repository's PR gate) and `pgolf precommit` (the participant's hook)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from pgolf import config as config_mod
from pgolf import suppress
from pgolf.ci.diff import GitRepo
from pgolf.ci.gate import config_at, run_gate
from pgolf.ci.output import emit_summary, printable, summary
from pgolf.ci.precommit import run_precommit
from pgolf.cli.check import exit_code_for
from pgolf.cli.options import config_options, load_config, split_names
from pgolf.config import Config
from pgolf.findings import POLICIES, PolicyName
from pgolf.render import RENDERERS
from pgolf.ruleset import load_ruleset

_POLICY = click.Choice(POLICIES)
CI_FORMATS = ("github", "json", "text")


def _gate_config(repo: Path, base: str, config_path: Path | None, base_config: str | None, use_config: bool) -> Config:
    """--config FILE, else the config committed at base (never the working tree: the PR wrote it)."""
    if not use_config:
        return Config()
    if config_path is not None:
        return config_mod.load(config_path, Path.cwd())
    git = GitRepo(repo)
    return config_at(git, git.resolve(base), base_config)


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
    default=None,
    help="which named policy decides the exit code (both are always reported) [default: the config's, else readme]",
)
@click.option("--ruleset", "ruleset_id", default=None, help="ruleset id (default: the config's, else the newest)")
@click.option(
    "--select",
    multiple=True,
    help="only these checks decide (code, slug, rule id or kind); the others are reported as suppressed",
)
@click.option(
    "--ignore",
    multiple=True,
    help="'CODE' or 'CODE: reason': findings of these checks are reported as suppressed and do not fail",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(CI_FORMATS),
    default=None,
    help="github: annotations (the default under GitHub Actions); text (the default elsewhere) or json: the report",
)
@click.option(
    "--summary",
    "summary_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="write the Markdown summary here (default: $GITHUB_STEP_SUMMARY, else stdout with --format github)",
)
@click.option(
    "--base-config",
    default=None,
    help="a config file's path in the repository, read as it is at --base (default: .pgolf.toml, else pyproject.toml)",
)
@config_options
def ci(  # click passes options by name
    *,
    base: str,
    head: str,
    repo: Path,
    policy: PolicyName | None,
    ruleset_id: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    fmt: str | None,
    summary_file: Path | None,
    base_config: str | None,
    config_path: Path | None,
    use_config: bool,
) -> int:
    """Gate a records PR: one new folder, a valid submission.json, pgolf check; never runs its code.

    The config is read from the base commit (`.pgolf.toml` or pyproject.toml [tool.pgolf]), or from
    --config FILE; --ignore and --select add to it. Nothing they match is dropped: it is reported
    as suppressed, with the reason.
    """
    click.echo(f"pgolf ci: {repo} {base}...{head}", err=True)
    config = _gate_config(repo, base, config_path, base_config, use_config)
    config = config_mod.with_cli_ignores(config, ignore, "--ignore")
    selected = split_names(select, "--select")
    suppress.validate_names(config, selected, "--select")
    if selected:
        config = config.model_copy(update={"select": (*config.select, *selected)})
    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    outcome = run_gate(
        repo,
        base,
        head,
        load_ruleset(ruleset_id or config.ruleset),
        policy=policy or config.policy or "readme",
        config=config,
    )
    click.echo(printable(RENDERERS[fmt](outcome.report)), nl=False)
    left = emit_summary(summary(outcome), summary_file, warn=lambda m: click.echo(m, err=True))
    if fmt == "github":  # annotations and a summary: stdout is the log, read by people
        click.echo(left, nl=False)
    return exit_code_for(outcome.report)


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--policy", type=_POLICY, default=None, help="[default: the config's, else readme]")
@click.option("--ruleset", "ruleset_id", default=None, help="ruleset id (default: the config's, else the newest)")
@click.option("--schema-only", is_flag=True, help="only validate each folder's submission.json")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@config_options
def precommit(
    *,
    files: tuple[Path, ...],
    policy: PolicyName | None,
    ruleset_id: str | None,
    schema_only: bool,
    fmt: str,
    config_path: Path | None,
    use_config: bool,
) -> int:
    """Check the records folders that FILES (as pre-commit passes them) belong to, each once."""
    config = load_config(config_path, Path.cwd(), enabled=use_config)
    report = run_precommit(
        [f.as_posix() for f in files],
        load_ruleset(ruleset_id or config.ruleset),
        policy=policy or config.policy or "readme",
        schema_only=schema_only,
        config=config,
    )
    if report.submissions:
        click.echo(RENDERERS[fmt](report), nl=False)
    return exit_code_for(report)
