"""`pgolf reproduce MANIFEST_OR_PR`: run a submission for real, under our own clocks, seed by seed.

Exit codes: 0 every seed ran and produced a score within the limits; 1 a seed failed, timed out or
broke a limit; 2 usage; 3 environment missing (torch, Docker, data, image).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal, cast

import click

from pgolf.cluster import CLUSTER_BACKEND
from pgolf.errors import EXIT_OK, EXIT_VIOLATIONS, UsageError
from pgolf.manifest import Manifest, load_manifest, manifest_path, with_submission_claims
from pgolf.runner.backend import BACKENDS
from pgolf.runner.hook import HOOK_DIR
from pgolf.runner.local import host_python
from pgolf.runner.model import BackendName, DataLocation, Plan, RunOptions, RunRecord, StampedLine
from pgolf.runner.plan import default_run_id, plan
from pgolf.runner.session import execute
from pgolf.runner.staging import locate, planned_synth, synthesize


def _seeds(value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        return [int(part) for part in value.replace(" ", "").split(",") if part]
    except ValueError as exc:
        raise UsageError(f"--seeds takes comma-separated integers, not {value!r}") from exc


def _gpus(value: str) -> Literal["all", "none"] | list[str]:
    if value in ("all", "none"):
        return cast(Literal["all", "none"], value)
    return [part for part in value.split(",") if part]


def _source_dir(
    manifest: Manifest, manifest_file: Path, source: Path | None, dry_run: bool, git: dict[str, object]
) -> Path:
    """The submission folder: --source, the manifest's local_folder, or the PR exported by pgolf.sources."""
    if source is not None:
        return source.resolve()
    if manifest.local_folder is not None:
        repo_root = manifest_file.resolve().parent.parent  # submissions/<name>.toml
        folder = manifest.folder(repo_root)
        if folder is None or not folder.is_dir():
            raise UsageError(f"manifest {manifest.name}: local_folder {manifest.local_folder} is not a folder")
        return folder
    if manifest.pr is None or manifest.source is None:
        raise UsageError(f"manifest {manifest.name} has neither local_folder nor a PR source")
    from pgolf import sources

    pinned = sources.manifest_source(manifest)  # refuses a manifest with unknown facts, dry run or not
    if dry_run:  # no network in a dry run: show where the export will be
        return sources.cache_root() / "sources" / pinned.commit / pinned.records_folder
    exported = sources.resolve_pr(
        manifest.pr, manifest, cast(str | None, git.get("repo")), allow_moved=bool(git.get("allow_moved"))
    )
    return exported.path


def _data(
    manifest: Manifest, options: RunOptions, data: Path | None, tokenizer: Path | None, dry_run: bool
) -> DataLocation:
    if data is not None:
        return locate(manifest, data, tokenizer)
    run_dir = options.out_dir / manifest.name / (options.run_id or default_run_id(manifest, options))
    if dry_run:
        return planned_synth(manifest, run_dir / "data")
    return synthesize(manifest, run_dir / "data")


def _sink(quiet: bool) -> Callable[[StampedLine], None]:
    def echo(line: StampedLine) -> None:
        click.echo(f"  | {line.text}", err=True)

    def ignore(_line: StampedLine) -> None:
        return

    return ignore if quiet else echo


def _report(record: RunRecord, plan_: Plan) -> None:
    """The report writer (pgolf.runner.report) is optional: records are complete without it."""
    try:
        module = importlib.import_module("pgolf.runner.report")
    except ImportError:
        click.echo(f"report writer not installed (pgolf.runner.report); records are in {plan_.run_dir}", err=True)
        return
    writer = getattr(module, "write_report", None)
    if writer is None:
        click.echo("pgolf.runner.report has no write_report(run_dir); records only", err=True)
        return
    written = writer(plan_.run_dir)
    for path in written.values() if isinstance(written, dict) else written or []:
        click.echo(f"report: {path}", err=True)


@click.command()
@click.argument("target", metavar="MANIFEST_OR_PR")
@click.option(
    "--backend",
    type=click.Choice(sorted([*BACKENDS, CLUSTER_BACKEND])),
    default="local",
    show_default=True,
    help=f"{CLUSTER_BACKEND}: one SkyPilot node per seed, running this command's local backend there",
)
@click.option("--dry-run", is_flag=True, help="print the plan as JSON and run nothing")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@click.option("--seeds", default=None, help="comma-separated seeds (default: the manifest's)")
@click.option("--nproc", type=click.IntRange(min=1), default=None, help="processes per node (default: the manifest's)")
@click.option("--data", type=click.Path(path_type=Path), default=None, help="dataset folder or data root")
@click.option(
    "--tokenizer", type=click.Path(path_type=Path), default=None, help="tokenizer .model (default: found under --data)"
)
@click.option(
    "--source",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="an already exported submission folder (skips the PR export)",
)
@click.option("--repo", default=None, help="git remote or mirror for the PR export (default: the manifest's repo)")
@click.option("--allow-moved", is_flag=True, help="export the manifest's commit even if the PR head moved")
@click.option("--run-id", default=None, help="run folder name (default: derived from the plan, so re-runs resume)")
@click.option("--fresh", is_flag=True, help="start a new run folder instead of resuming")
@click.option("--python", "python", default=None, help="interpreter for torch.distributed.run (local backend)")
@click.option("--image", default=None, help="image reference, overriding the manifest's (docker backend)")
@click.option("--gpus", default="all", show_default=True, help="docker: all, none, or device ids 0,1,...")
@click.option("--allow-network", is_flag=True, help="docker: keep the network (hosts that cannot run network none)")
@click.option("--keep-container", is_flag=True, help="docker: leave the container for debugging")
@click.option(
    "--slack", type=click.FloatRange(min=0), default=None, help="seconds added to train+eval for the deadline"
)
@click.option("--term-grace", type=click.FloatRange(min=0), default=None, help="seconds between SIGTERM and SIGKILL")
@click.option("--quiet", is_flag=True, help="do not echo the run's output")
def reproduce(  # one parameter per CLI option
    target: str, backend: str, dry_run: bool, out_dir: Path, seeds: str | None, nproc: int | None,
    data: Path | None, tokenizer: Path | None, source: Path | None, repo: str | None, allow_moved: bool,
    run_id: str | None, fresh: bool, python: str | None, image: str | None, gpus: str, allow_network: bool,
    keep_container: bool, slack: float | None, term_grace: float | None, quiet: bool,
) -> int:  # fmt: skip
    """Reproduce a submission from its manifest (submissions/<name>.toml or a PR number)."""
    if backend == CLUSTER_BACKEND:  # many machines: the fan-out of one PR (pgolf.cluster), one node per seed
        from pgolf.cluster.session import reproduce_on_cluster

        return reproduce_on_cluster(
            target, seeds=_seeds(seeds), image=image, out_dir=out_dir, repo=repo, dry_run=dry_run,
            out=lambda text: click.echo(text, nl=False), err=lambda text: click.echo(text, err=True, nl=False),
        )  # fmt: skip
    manifest = load_manifest(target)
    manifest_file = manifest_path(target)
    options = RunOptions(
        backend=cast(BackendName, backend),
        source_dir=_source_dir(manifest, manifest_file, source, dry_run, {"repo": repo, "allow_moved": allow_moved}),
        out_dir=out_dir.resolve(),  # the script runs in its own cwd: every path it gets is absolute
        seeds=_seeds(seeds),
        nproc_per_node=nproc,
        python=python or host_python(),
        hook_dir=HOOK_DIR,
        host_env=dict(os.environ),
        image=image,
        keep_container=keep_container,
        network_none=not allow_network,
        gpus=_gpus(gpus),
        user=f"{os.getuid()}:{os.getgid()}" if hasattr(os, "getuid") else None,
        slack_s=slack,
        term_grace_s=term_grace,
    )
    # Before anything derives the run id from the manifest: the claims are part of the plan.
    if options.source_dir is not None and options.source_dir.is_dir():
        manifest = with_submission_claims(manifest, options.source_dir)
    if fresh or run_id:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        options = options.model_copy(update={"run_id": run_id or f"{default_run_id(manifest, options)}-{stamp}"})
    data, tokenizer = (p.resolve() if p is not None else None for p in (data, tokenizer))
    options = options.model_copy(update={"data": _data(manifest, options, data, tokenizer, dry_run)})
    the_plan = plan(manifest, options)
    if dry_run:
        click.echo(the_plan.model_dump_json(indent=2))
        return EXIT_OK
    click.echo(f"reproducing {manifest.name} into {the_plan.run_dir}", err=True)
    backend_impl = BACKENDS[the_plan.backend](options)
    record = execute(the_plan, backend_impl, sink=_sink(quiet), progress=lambda m: click.echo(m, err=True))
    _report(record, the_plan)
    passed = record.passed
    click.echo(f"{manifest.name}: {'all seeds passed' if passed else 'FAILED'} ({the_plan.run_dir})", err=True)
    return EXIT_OK if passed else EXIT_VIOLATIONS
