"""`pgolf report RUN_DIR`: write report.json, report.md and report.html for a reproduction run folder."""

from __future__ import annotations

from pathlib import Path

import click

from pgolf.errors import EXIT_OK, EXIT_VIOLATIONS


@click.command()
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--print",
    "show",
    type=click.Choice(["md", "json", "none"]),
    default="md",
    show_default=True,
    help="also print one of the written reports on stdout",
)
def report(run_dir: Path, show: str) -> int:
    """Compare a reproduction with its claims: per seed and overall, with plots (report.html)."""
    from pgolf.runner.report import write_report  # the runner is imported only by runner commands

    paths = write_report(run_dir)
    for kind, path in paths.items():
        click.echo(f"wrote {kind}: {path}", err=True)
    if show != "none":
        click.echo(paths[show].read_text("utf-8"), nl=False)
    # Exit 1 when the run did not pass (a seed failed, timed out, broke a limit or is missing).
    import json

    passed = json.loads(paths["json"].read_text("utf-8"))["passed"]
    return EXIT_OK if passed else EXIT_VIOLATIONS
