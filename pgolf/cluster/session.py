"""One fan-out, start to end: resolve targets, plan, print (dry run) or run, summarize, exit code.

Shared by `pgolf fanout PR...` and `pgolf reproduce PR --backend skypilot` (one PR, one node per seed),
so both commands plan, launch, copy back and resume in exactly one way.

Exit codes: 0 every seed has a record and passed; 1 every seed has a record and one did not pass;
5 incomplete (a task gave up: a seed has no record); 2 usage (blocked tasks, bad options);
3 the `cluster` extra or SkyPilot's API server is missing. A dry run exits 0 once the plan is printed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from pgolf.cluster.datalock import ensure_data_lock
from pgolf.cluster.model import FanoutOptions, Phase
from pgolf.cluster.plan import plan_fanout
from pgolf.cluster.render import plan_text
from pgolf.cluster.sky import SkyApi
from pgolf.cluster.targets import resolve
from pgolf.errors import EXIT_INCOMPLETE, EXIT_OK, UsageError

Echo = Callable[[str], None]


def workdir_of(value: Path | None) -> Path:
    """The pgolf checkout every node installs (SkyPilot's workdir)."""
    workdir = (value or Path.cwd()).resolve()
    if not (workdir / "pyproject.toml").is_file() or not (workdir / "pgolf" / "__init__.py").is_file():
        raise UsageError(f"{workdir} is not a pgolf checkout: run from one, or pass --workdir")
    return workdir


def run_fanout(
    targets: Sequence[str],
    options: FanoutOptions,
    *,
    workdir: Path,
    out_dir: Path,
    repo: str | None,
    dry_run: bool,
    json_plan: bool,
    out: Echo,
    err: Echo,
    allow_credential_upload: bool = False,
    api: SkyApi | None = None,
) -> int:
    if not dry_run and api is None:
        from pgolf.cluster.sky import connect

        api = connect()  # exit 3 naming the extra, before anything is exported
    submissions = [resolve(target, workdir, export=not dry_run, repo=repo) for target in targets]
    plan = plan_fanout(submissions, options, workdir=workdir, out_dir=out_dir.resolve())
    if dry_run or api is None:
        out(plan.model_dump_json(indent=2) + "\n" if json_plan else plan_text(plan))
        return EXIT_OK
    if plan.blocked:
        err(plan_text(plan))
        raise UsageError(f"{len(plan.blocked)} of {len(plan.tasks)} task(s) blocked; nothing launched")
    from pgolf.cluster import credentials
    from pgolf.cluster.orchestrate import Orchestrator
    from pgolf.cluster.summary import render_summary, summarize

    clouds = credentials.clouds_in_play(plan, api)
    exposed = credentials.exposure(plan, api, clouds)
    if exposed and not allow_credential_upload:
        raise UsageError(
            f"SkyPilot would copy cloud credentials onto every node, where the submission can read them "
            f"({credentials.describe(exposed)}); nothing launched. {credentials.remedy(exposed)}"
        )
    if exposed:
        err(
            f"warning: nodes will hold cloud credentials ({credentials.describe(exposed)}): --allow-credential-upload\n"
        )
    identity = {cloud: exposed.get(cloud, credentials.NO_UPLOAD) for cloud in clouds}
    ensure_data_lock(plan, lambda m: err(m + "\n"))
    err(f"fan-out {plan.fanout_id}: {len(plan.tasks)} task(s) into {plan.fanout_dir}\n")
    state = Orchestrator(plan, api, progress=lambda m: err(m + "\n"), remote_identity=identity).run()
    summary = summarize(plan.fanout_dir)
    out(render_summary(summary))
    if any(ts.phase is Phase.FAILED for ts in state.tasks.values()):
        return EXIT_INCOMPLETE
    return summary.exit_code


def reproduce_on_cluster(
    target: str,
    *,
    seeds: list[int] | None,
    image: str | None,
    out_dir: Path,
    repo: str | None,
    dry_run: bool,
    json_plan: bool,
    out: Echo,
    err: Echo,
) -> int:
    """`pgolf reproduce TARGET --backend skypilot`: the fan-out of one PR, one node per seed, all at once,
    with the cluster defaults (defaults.toml); `pgolf fanout` exposes the rest (GPUs, infra, spot)."""
    from pgolf.cluster.model import cluster_defaults

    d = cluster_defaults()
    options = FanoutOptions(
        accelerators=d.resources.accelerators,
        use_spot=d.resources.use_spot,
        max_nodes=len(seeds) if seeds else _MAX_SEEDS_AT_ONCE,
        per="seed",
        seeds=seeds,
        image=image,
        max_attempts=d.lifecycle.max_attempts,
        idle_minutes_to_autostop=d.lifecycle.idle_minutes_to_autostop,
        disk_size_gb=d.node.disk_size_gb,
    )
    return run_fanout(
        [target],
        options,
        workdir=workdir_of(None),
        out_dir=out_dir,
        repo=repo,
        dry_run=dry_run,
        json_plan=json_plan,
        out=out,
        err=err,
    )


_MAX_SEEDS_AT_ONCE = 16
