"""`pgolf fanout PR... [--seeds] [--gpus H100:8] [--cloud ...] [--max-nodes N]`: many reproductions on SkyPilot.

    pgolf fanout --dry-run 2135 1855 --seeds 42,314,0    the plan and its cost; nothing launched
    pgolf fanout 2135 1855 --seeds 42,314,0               launch, copy back, resume on re-run
    pgolf fanout status [FANOUT_DIR]                      per PR: claimed vs reproduced, cost, reports
    pgolf fanout down FANOUT_DIR                          tear down every node of a fan-out

Exit codes (pgolf.cluster.session): 0 every seed has a record and passed (or a dry run printed); 1 a
seed did not pass; 5 incomplete (a seed has no record); 2 usage (bad options, a manifest missing,
tasks blocked); 3 the `cluster` extra (SkyPilot) or a SkyPilot API server is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from pgolf.cluster.model import FanoutOptions, Granularity, cluster_defaults
from pgolf.cluster.plan import gpu_count
from pgolf.cluster.session import run_fanout, workdir_of
from pgolf.errors import EXIT_ENVIRONMENT, EXIT_OK, UsageError


class _FanoutGroup(click.Group):
    """`pgolf fanout 2135 1855` runs the default `run` subcommand; `pgolf fanout status` another one."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_FanoutGroup)
def fanout() -> None:
    """Reproduce many PRs x seeds across SkyPilot nodes (`pgolf fanout PR...`), and summarize them."""


def _seeds(value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        seeds = [int(part) for part in value.replace(" ", "").split(",") if part]
    except ValueError as exc:
        raise UsageError(f"--seeds takes comma-separated integers, not {value!r}") from exc
    if len(set(seeds)) != len(seeds):
        raise UsageError(f"--seeds repeats a seed: {value}")
    return seeds or None


@fanout.command("run")
@click.argument("targets", nargs=-1, required=True, metavar="PR_OR_MANIFEST...")
@click.option("--seeds", default=None, help="comma-separated seeds for every PR (default: each manifest's)")
@click.option("--gpus", default=None, help="SkyPilot accelerators per node, NAME:COUNT (default H100:8)")
@click.option("--cloud", "infra", default=None, help="SkyPilot infra: runpod, aws, aws/us-east-1, k8s, ...")
@click.option("--spot/--on-demand", default=None, help="spot nodes: cheaper, preempted seeds are re-run")
@click.option("--max-nodes", type=click.IntRange(min=1), default=4, show_default=True, help="nodes at once")
@click.option(
    "--per", type=click.Choice(["seed", "pr"]), default="seed", show_default=True, help="one node per seed or per PR"
)
@click.option("--image", default=None, help="image reference name@sha256:..., overriding every manifest's")
@click.option("--price", type=click.FloatRange(min=0), default=None, help="USD per GPU-hour for the estimate")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False), default=None, help="pgolf checkout")
@click.option("--repo", default=None, help="git remote or mirror for PR exports (default: $PGOLF_REPO or GitHub)")
@click.option("--dry-run", is_flag=True, help="print the plan and its cost estimate; launch nothing")
@click.option(
    "--allow-credential-upload",
    is_flag=True,
    help="launch even where SkyPilot would copy cloud credentials onto the nodes (recorded in the state)",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def run(  # one parameter per CLI option
    targets: tuple[str, ...], seeds: str | None, gpus: str | None, infra: str | None, spot: bool | None,
    max_nodes: int, per: str, image: str | None, price: float | None, out_dir: Path, workdir: Path | None,
    repo: str | None, dry_run: bool, allow_credential_upload: bool, fmt: str,
) -> int:  # fmt: skip
    """Reproduce PRs (numbers, manifest names or paths) x seeds, one SkyPilot node per task."""
    defaults = cluster_defaults()
    accelerators = gpus or defaults.resources.accelerators
    gpu_count(accelerators)  # a usage error before anything else
    options = FanoutOptions(
        accelerators=accelerators,
        infra=infra,
        use_spot=defaults.resources.use_spot if spot is None else spot,
        max_nodes=max_nodes,
        per=_per(per),
        seeds=_seeds(seeds),
        image=image,
        max_attempts=defaults.lifecycle.max_attempts,
        idle_minutes_to_autostop=defaults.lifecycle.idle_minutes_to_autostop,
        disk_size_gb=defaults.node.disk_size_gb,
        price_per_gpu_hour=price,
    )
    return run_fanout(
        targets,
        options,
        workdir=workdir_of(workdir),
        out_dir=out_dir,
        repo=repo,
        dry_run=dry_run,
        json_plan=fmt == "json",
        out=lambda text: click.echo(text, nl=False),
        err=lambda text: click.echo(text, err=True, nl=False),
        allow_credential_upload=allow_credential_upload,
    )


def _per(value: str) -> Granularity:
    return "pr" if value == "pr" else "seed"


@fanout.command("status")
@click.argument("fanout_dir", type=click.Path(exists=True, file_okay=False, path_type=Path), required=False)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("reports"), show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "md"]), default="text", show_default=True)
def status(fanout_dir: Path | None, out_dir: Path, fmt: str) -> int:
    """Per PR: claimed vs reproduced, verdict, GPU-hours, links to each run (default: the newest fan-out)."""
    from pgolf.cluster.summary import latest_fanout, render_summary, summarize

    folder = fanout_dir or latest_fanout(out_dir)
    summary = summarize(folder)
    if fmt == "json":
        click.echo(json.dumps(summary.model_dump(mode="json"), indent=2))
    else:
        click.echo(render_summary(summary, markdown=fmt == "md"), nl=False)
    return summary.exit_code


@fanout.command("down")
@click.argument("fanout_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
def down(fanout_dir: Path) -> int:
    """Tear down every node of a fan-out that is still held (what an interrupted orchestrator left)."""
    from pgolf.cluster.orchestrate import teardown_all
    from pgolf.cluster.sky import connect

    left = teardown_all(fanout_dir, connect(), progress=lambda m: click.echo(m, err=True))
    return EXIT_OK if not left else EXIT_ENVIRONMENT
