"""`pgolf report RUN_DIR` (re)writes a run's report and evidence bundle; `pgolf report merge RUN_DIR...`
builds one report from runs made on several machines. Both exit with the verdict's code."""

from __future__ import annotations

from pathlib import Path

import click

_RUN_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


class _ReportGroup(click.Group):
    """`pgolf report RUN_DIR` stays the short form of `pgolf report build RUN_DIR`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["build", *args]
        return super().parse_args(ctx, args)


def _show(run_dir: Path, show: str, bundle: bool) -> int:
    from pgolf.report.write import publish, summary_line  # runner commands import the runner lazily

    report, paths = publish(run_dir, bundle=bundle)
    for kind, path in paths.items():
        click.echo(f"wrote {kind}: {path}", err=True)
    if show != "none":
        click.echo(paths[show].read_text("utf-8"), nl=False)
    click.echo(summary_line(report, run_dir), err=True)
    return report.verdict.exit_code


_PRINT = click.option(
    "--print",
    "show",
    type=click.Choice(["md", "json", "none"]),
    default="md",
    show_default=True,
    help="also print one of the written reports on stdout",
)
_NO_BUNDLE = click.option("--no-bundle", is_flag=True, help="skip the evidence archive")


@click.group(cls=_ReportGroup)
def report() -> None:
    """Compare a reproduction with its claims and decide: REPRODUCED (exit 0), NOT REPRODUCED (1), INCOMPLETE (5)."""


@report.command()
@click.argument("run_dir", type=_RUN_DIR)
@_PRINT
@_NO_BUNDLE
def build(run_dir: Path, show: str, no_bundle: bool) -> int:
    """Write report.json, report.md, report.html and the evidence bundle of a run folder."""
    return _show(run_dir, show, not no_bundle)


@report.command()
@click.argument("run_dirs", nargs=-1, required=True, type=_RUN_DIR)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="the merged run folder (default: merged-<hash> beside the first run)")  # fmt: skip
@_PRINT
@_NO_BUNDLE
def merge(run_dirs: tuple[Path, ...], out_dir: Path | None, show: str, no_bundle: bool) -> int:
    """Merge seed records from runs on several machines (same manifest and submission) into one report."""
    from pgolf.report.merge import merge_runs

    merged = merge_runs(list(run_dirs), out_dir)
    click.echo(f"merged {len(run_dirs)} runs into {merged}", err=True)
    return _show(merged, show, not no_bundle)
