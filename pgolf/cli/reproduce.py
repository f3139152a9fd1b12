"""`pgolf reproduce MANIFEST_OR_PR`: run a submission for real, under our own clocks, seed by seed.

Exit codes (the verdict of pgolf.report.verdict): 0 reproduced; 1 not reproduced (the mean is outside
the tolerance of the claim, or a limit is broken); 5 incomplete (a seed failed, timed out, or stopped
short of its planned run); 2 usage; 3 environment missing (torch, Docker, data, image).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Literal, cast

import click

from pgolf.cluster import CLUSTER_BACKEND
from pgolf.errors import EXIT_OK, UsageError
from pgolf.infer.model import Inference
from pgolf.infer.render import manifest_toml, plan_text
from pgolf.infer.target import resolve_target
from pgolf.manifest import Manifest, with_submission_claims
from pgolf.runner.backend import BACKENDS
from pgolf.runner.hook import HOOK_DIR
from pgolf.runner.local import host_python
from pgolf.runner.model import BackendName, DataLocation, Plan, RunOptions, RunRecord, StampedLine
from pgolf.runner.plan import default_run_id, plan
from pgolf.runner.profiles import PROFILES, ProfileName, apply_profile
from pgolf.runner.session import execute
from pgolf.runner.staging import fetched, locate, planned_synth, synthesize
from pgolf.runner.store import write_atomic


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


def _data(
    manifest: Manifest,
    options: RunOptions,
    data: Path | None,
    tokenizer: Path | None,
    dry_run: bool,
    notes: list[str],
) -> tuple[DataLocation, list[str]]:
    """Where the run's data is, and how it got there. A dry run checks exactly what the run checks
    (an explicit --data must exist) and only skips writing or downloading."""
    if data is not None:
        return locate(manifest, data, tokenizer), [f"--data {data}"]
    run_dir = options.out_dir / manifest.name / (options.run_id or default_run_id(manifest, options))
    if options.profile == "smoke" and not manifest.dataset.synthetic:
        from pgolf.data.smoke import make_smoke_data, plan_smoke_data
        from pgolf.runner.profiles import SMOKE_TRAIN_DOCS, SMOKE_VAL_DOCS

        smoke = plan_smoke_data(
            manifest,
            options.source_dir,
            run_dir / "data",
            python=options.python,
            val_docs=SMOKE_VAL_DOCS,
            train_docs=SMOKE_TRAIN_DOCS,
        )
        lines = [f"made for this smoke run in {smoke.root}: {smoke.how}"]
        if not dry_run:
            notes += make_smoke_data(smoke)
        location = DataLocation(
            variant=manifest.dataset.variant,
            dataset_dir=smoke.dataset_dir,
            tokenizer_path=smoke.tokenizer_path,
            vocab_size=smoke.vocab_size,
        )
        return location, lines
    if manifest.dataset.synthetic:
        if dry_run:
            return planned_synth(manifest, run_dir / "data"), [
                f"synthesized into {run_dir / 'data'} (pgolf data synth)"
            ]
        return synthesize(manifest, run_dir / "data"), ["synthesized (pgolf data synth)"]
    return fetched(manifest, dry_run, notes)


def _shim_dir() -> Path:
    """docker/shim of this checkout (the images carry their own copy at /opt/pgolf/shim)."""
    found = Path(__file__).resolve().parents[2] / "docker" / "shim"
    if not (found / "flash_attn_interface.py").is_file():
        raise UsageError(f"--shim: no {found}/flash_attn_interface.py (it ships in a pgolf source checkout)")
    return found


def _sink(quiet: bool) -> Callable[[StampedLine], None]:
    def echo(line: StampedLine) -> None:
        click.echo(f"  | {line.text}", err=True)

    def ignore(_line: StampedLine) -> None:
        return

    return ignore if quiet else echo


def _report(record: RunRecord, plan_: Plan) -> int:
    """Write the report and evidence bundle, print the verdict's summary line, return its exit code."""
    from pgolf.report.write import publish, summary_line

    report, paths = publish(plan_.run_dir, record)
    for path in paths.values():
        click.echo(f"report: {path}", err=True)
    click.echo(summary_line(report, plan_.run_dir), err=True)
    return report.verdict.exit_code


@click.command()
@click.argument("target", metavar="PR_OR_MANIFEST")
@click.option(
    "--backend",
    type=click.Choice(sorted([*BACKENDS, CLUSTER_BACKEND])),
    default="local",
    show_default=True,
    help=f"{CLUSTER_BACKEND}: one SkyPilot node per seed, running this command's local backend there",
)
@click.option("--dry-run", is_flag=True, help="print the plan and run nothing (fetches the PR's git objects)")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="the dry run's plan format")
@click.option(
    "--profile",
    type=click.Choice(PROFILES),
    default="official",
    show_default=True,
    help="smoke: one GPU, reduced scale",
)
@click.option("--shim", is_flag=True, help="put the SDPA flash_attn_interface shim first on PYTHONPATH (non-official)")
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
    help="an already exported submission folder, checked against the manifest's pinned content",
)
@click.option("--folder", default=None, help="the records folder of the PR, when it adds several")
@click.option("--repo", default=None, help="git remote or mirror for the PR (default: PGOLF_REPO, else GitHub)")
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
    target: str, backend: str, dry_run: bool, fmt: str, profile: str, shim: bool, out_dir: Path, seeds: str | None,
    nproc: int | None, data: Path | None, tokenizer: Path | None, source: Path | None, folder: str | None,
    repo: str | None, allow_moved: bool, run_id: str | None, fresh: bool, python: str | None, image: str | None,
    gpus: str, allow_network: bool, keep_container: bool, slack: float | None, term_grace: float | None, quiet: bool,
) -> int:  # fmt: skip
    """Reproduce a submission: a PR number (inferred from its own files) or a manifest (submissions/<name>.toml)."""
    if backend == CLUSTER_BACKEND:  # many machines: the fan-out of one PR (pgolf.cluster), one node per seed
        from pgolf.cluster.session import reproduce_on_cluster

        local_only = {
            "--profile": profile != "official", "--shim": shim, "--nproc": nproc, "--data": data,
            "--tokenizer": tokenizer, "--source": source, "--folder": folder, "--allow-moved": allow_moved,
            "--run-id": run_id, "--fresh": fresh, "--python": python, "--slack": slack, "--term-grace": term_grace,
        }  # fmt: skip
        given = [name for name, value in local_only.items() if value]
        if given:  # each node runs the official local invocation; these would be silently dropped
            raise UsageError(f"--backend {CLUSTER_BACKEND} does not take {', '.join(given)}: use `pgolf fanout`")
        return reproduce_on_cluster(
            target, seeds=_seeds(seeds), image=image, out_dir=out_dir, repo=repo, dry_run=dry_run,
            json_plan=fmt == "json", out=lambda text: click.echo(text, nl=False),
            err=lambda text: click.echo(text, err=True, nl=False),
        )  # fmt: skip
    resolved = resolve_target(target, repo=repo, folder=folder, source=source, allow_moved=allow_moved)
    entry = resolved.source_dir / resolved.manifest.entrypoint
    script = entry.read_text("utf-8", errors="replace") if entry.is_file() else ""
    profiled = apply_profile(resolved.manifest, cast(ProfileName, profile), script, nproc=nproc)
    deviations = list(profiled.deviations)
    if shim:
        deviations.append("flash_attn_interface is pgolf's SDPA shim (docker/shim), not FlashAttention-3")
    # Before anything derives the run id from the manifest: the claims are part of the plan.
    manifest = (
        with_submission_claims(profiled.manifest, resolved.source_dir)
        if resolved.source_dir.is_dir()
        else profiled.manifest
    )
    options = RunOptions(
        backend=cast(BackendName, backend),
        source_dir=resolved.source_dir,
        out_dir=out_dir.resolve(),  # the script runs in its own cwd: every path it gets is absolute
        seeds=_seeds(seeds),
        nproc_per_node=nproc or (1 if profile == "smoke" else None),
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
        profile=cast(ProfileName, profile),
        deviations=deviations,
        shim_dir=_shim_dir() if shim else None,
        shared_compile_cache=profiled.shared_compile_cache,
    )
    if fresh or run_id:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        options = options.model_copy(update={"run_id": run_id or f"{default_run_id(manifest, options)}-{stamp}"})
    data, tokenizer = (p.resolve() if p is not None else None for p in (data, tokenizer))
    notes = list(resolved.notes)
    # Planned first, made later: the preflight runs before any data is downloaded or prepared.
    location, data_lines = _data(manifest, options, data, tokenizer, True, notes)
    options = options.model_copy(update={"data": location})
    the_plan = plan(manifest, options)
    if dry_run:
        if fmt == "json":
            click.echo(the_plan.model_dump_json(indent=2))
        else:
            click.echo(plan_text(the_plan, resolved.inference, data_lines, notes), nl=False)
        return EXIT_OK
    backend_impl = BACKENDS[the_plan.backend](options)
    fingerprint = None
    if the_plan.specs:
        click.echo(f"preflight ({the_plan.backend})", err=True)
        fingerprint = backend_impl.preflight(the_plan.specs[0])
    location, data_lines = _data(manifest, options, data, tokenizer, False, notes)
    if location != options.data:  # a revision resolved at fetch time (trust on first use) moves the data
        options = options.model_copy(update={"data": location})
        the_plan = plan(manifest, options)
    write_inputs(the_plan, resolved.inference, notes, data_lines)
    click.echo(f"reproducing {manifest.name} ({resolved.origin}) into {the_plan.run_dir}", err=True)
    record = execute(
        the_plan,
        backend_impl,
        sink=_sink(quiet),
        progress=lambda m: click.echo(m, err=True),
        fingerprint=fingerprint,
    )
    return _report(record, the_plan)


def write_inputs(plan_: Plan, inference: Inference | None, notes: list[str], data_lines: list[str]) -> None:
    """The manifest the run used (TOML) and how it was inferred, in the run folder before any seed runs."""
    plan_.run_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(plan_.run_dir / "manifest.toml", manifest_toml(plan_.manifest, inference))
    payload = {
        "inference": inference.model_dump(mode="json") if inference is not None else None,
        "notes": notes,
        "data": data_lines,
        "profile": plan_.profile,
        "deviations": plan_.deviations,
    }
    write_atomic(plan_.run_dir / "inputs.json", json.dumps(payload, indent=2) + "\n")
