"""`pgolf check PATH...`: audit submission folders and print a report."""

from __future__ import annotations

from pathlib import Path

import click

from pgolf.baseline import baseline_from_folder, baseline_from_numbers
from pgolf.cli.options import config_options, load_config, split_names
from pgolf.engine import check_paths
from pgolf.errors import EXIT_INTERNAL, EXIT_OK, EXIT_VIOLATIONS
from pgolf.findings import POLICIES, PolicyName, Report, Status
from pgolf.render import RENDERERS
from pgolf.ruleset import load_ruleset
from pgolf.stats import Baseline


def exit_code_for(report: Report) -> int:
    """0 clean, 1 violations, 4 a check crashed; a suppressed finding counts as what it was marked."""
    statuses = {r.counted_status for s in report.submissions for r in s.results}
    if Status.ERROR in statuses:
        return EXIT_INTERNAL
    return EXIT_VIOLATIONS if Status.FAIL in statuses else EXIT_OK


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--policy",
    type=click.Choice(POLICIES),
    default=None,
    help="which named policy decides the exit code (both are always reported) [default: the config's, else readme]",
)
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="text", show_default=True)
@click.option("--select", multiple=True, help="only these checks (code, slug, rule id or kind); repeatable")
@click.option("--ignore", multiple=True, help="skip these checks (code, slug, rule id or kind); repeatable")
@click.option(
    "--ruleset",
    "ruleset_id",
    default=None,
    help="ruleset id; judges every folder as of its date (default: the newest, each folder as of its own date)",
)
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path),
    default=None,
    help="a records folder to test SIGNIFICANCE against",
)
@click.option(
    "--baseline-bpb",
    default=None,
    help="baseline per-seed val_bpb as numbers: '1.0611,1.0613,1.0620' or '42=1.0611,314=1.0613'",
)
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None, help="also write the report here")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="folders checked in parallel worker processes (0: one per CPU)",
)
@config_options
def check(
    paths: tuple[Path, ...],
    policy: PolicyName | None,
    fmt: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    ruleset_id: str | None,
    baseline_path: Path | None,
    baseline_bpb: str | None,
    output: Path | None,
    jobs: int,
    config_path: Path | None,
    use_config: bool,
) -> int:
    """Audit submission folders (never runs their code)."""
    config = load_config(config_path, Path.cwd(), exclude=paths, enabled=use_config)
    ruleset = load_ruleset(ruleset_id or config.ruleset)
    baseline: Baseline | None = None
    if baseline_path is None and baseline_bpb is None and config.baseline and config.root is not None:
        baseline_path = config.root / config.baseline
    if baseline_path is not None:
        baseline = baseline_from_folder(baseline_path, ruleset)
    elif baseline_bpb is not None:
        baseline = baseline_from_numbers(baseline_bpb)
    for p in paths:
        click.echo(f"checking {p} ...", err=True)
    report = check_paths(
        paths,
        ruleset,
        policy=policy or config.policy or "readme",
        select=split_names(select, "--select"),
        ignore=split_names(ignore, "--ignore"),
        baseline=baseline,
        # An explicit ruleset pins the day: rulings are applied as of its date, not each folder's.
        # (A config's `ruleset` only picks the data; each folder is still judged as of its date.)
        as_of=ruleset.date if ruleset_id is not None else None,
        config=config,
        jobs=jobs,
    )
    rendered = RENDERERS[fmt](report)
    click.echo(rendered, nl=False)
    if output is not None:
        output.write_text(rendered, encoding="utf-8")
    return exit_code_for(report)
