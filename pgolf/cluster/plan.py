"""The pure fan-out planner: (submissions, options) -> FanoutPlan, one TaskSpec per PR x seed (or per PR).

No SkyPilot, no network, no clock: the plan is what `pgolf fanout --dry-run` prints and what the
orchestrator executes. Each task's per-seed deadline is the runner's own (pgolf.runner.plan, the
plan the node will compute), so a node is never given less time than a local run.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from pgolf.cluster.cost import estimate
from pgolf.cluster.model import FanoutOptions, FanoutPlan, NodeLayout, TaskSpec, cluster_defaults
from pgolf.cluster.node import manifest_mount, source_mount
from pgolf.cluster.targets import Submission
from pgolf.errors import PgolfError, UsageError
from pgolf.manifest import Manifest
from pgolf.runner.hook import HOOK_DIR
from pgolf.runner.model import DataLocation, RunOptions
from pgolf.runner.plan import plan as runner_plan

_ACCELERATORS = re.compile(r"^([A-Za-z0-9-]+):([1-9][0-9]*)$")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_CLUSTER_BAD = re.compile(r"[^a-z0-9-]+")
DATA_LOCK = "data.lock.json"
# GCP caps cluster names at 35 characters, the strictest of SkyPilot's clouds.
MAX_CLUSTER_NAME = 35


def node_layout() -> NodeLayout:
    d = cluster_defaults().node
    return NodeLayout(root=d.root, image_python=d.image_python, tool_venv=d.tool_venv)


def gpu_count(accelerators: str) -> int:
    match = _ACCELERATORS.match(accelerators)
    if match is None:
        raise UsageError(f"--gpus takes NAME:COUNT (e.g. H100:8), not {accelerators!r}")
    return int(match[2])


def fanout_id(submissions: Sequence[Submission], options: FanoutOptions) -> str:
    """What decides the fan-out's results: the same command re-run resumes the same folder."""
    key = {
        "manifests": [s.manifest.model_dump(mode="json") for s in submissions],
        "seeds": options.seeds,
        "per": options.per,
        "accelerators": options.accelerators,
        "infra": options.infra,
        "spot": options.use_spot,
        "image": options.image,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]


def cluster_name(fanout: str, task_id: str) -> str:
    """`pg-<fanout>-<task>`, lowercase, dashes only, at most 35 characters (hash-suffixed if cut)."""
    name = _CLUSTER_BAD.sub("-", f"pg-{fanout[:8]}-{task_id}".lower()).strip("-")
    if len(name) <= MAX_CLUSTER_NAME:
        return name
    suffix = hashlib.sha256(task_id.encode()).hexdigest()[:6]
    return f"{name[: MAX_CLUSTER_NAME - 7].rstrip('-')}-{suffix}"


def data_bytes(manifest: Manifest) -> tuple[int, bool, str | None]:
    """(bytes the node downloads, whether the committed data lock pins the variant, a blocker). Bytes
    come from the lock's file sizes when pinned, else from the shard arithmetic."""
    if manifest.dataset.synthetic:
        return 0, True, None
    from pgolf.data.fetch import select_files
    from pgolf.data.lock import load_lock
    from pgolf.ruleset import load_ruleset

    try:
        source = load_lock().variant(manifest.dataset.variant)
    except PgolfError as exc:
        return 0, False, f"dataset variant {manifest.dataset.variant!r} cannot be fetched: {exc}"
    if source.pinned:
        try:
            files = select_files(source, manifest.dataset.variant, manifest.dataset.train_shards)
        except PgolfError as exc:
            return 0, True, f"`pgolf data fetch` would refuse on the node: {exc}"
        return sum(f.size for f in files), True, None
    shard = 1024 + 2 * source.shard_tokens
    known = load_ruleset(manifest.ruleset).data.variants.get(manifest.dataset.variant)
    val_tokens = known.val_tokens_raw if known is not None and known.val_tokens_raw else 0
    val = (1024 + 2 * val_tokens) * (2 if source.byte_sidecar else 1)
    return manifest.dataset.train_shards * shard + val, False, None


def seed_deadline(manifest: Manifest, node: NodeLayout, image: str | None) -> float:
    """The runner's own per-seed deadline for this manifest (train + eval + slack of its track)."""
    options = RunOptions(
        source_dir=Path(source_mount(node)),
        data=DataLocation(variant=manifest.dataset.variant, dataset_dir=Path(node.dataset_link)),
        hook_dir=HOOK_DIR,
        out_dir=Path(node.out),
        image=image,
    )
    return runner_plan(manifest, options).specs[0].budget.deadline_s


def _blockers(sub: Submission, options: FanoutOptions, image: str | None, gpus: int) -> list[str]:
    blocked = list(sub.blocked)
    if image is None:
        named = (
            f" (the manifest asks for the image {sub.manifest.image_name}: build and push it)"
            if (sub.manifest.image_name)
            else ""
        )
        blocked.append(f"no image{named}: set `image` (name@sha256:...) in the manifest or pass --image")
    elif not _DIGEST.search(image):
        blocked.append(f"image {image!r} is not pinned by digest (a tag is mutable): use name@sha256:<digest>")
    if gpus < sub.manifest.nproc_per_node:
        blocked.append(
            f"--gpus {options.accelerators} gives {gpus} GPUs; the manifest runs {sub.manifest.nproc_per_node}"
        )
    return blocked


def _tasks(fanout: str, sub: Submission, options: FanoutOptions, node: NodeLayout, fanout_dir: Path) -> list[TaskSpec]:
    manifest = sub.manifest
    image = options.image or manifest.image
    gpus = gpu_count(options.accelerators)
    seeds = options.seeds or manifest.seeds
    size, pinned, data_blocker = data_bytes(manifest)
    blocked = _blockers(sub, options, image, gpus) + ([data_blocker] if data_blocker else [])
    data_lock = None if pinned else fanout_dir / DATA_LOCK
    notes = list(sub.notes)
    if data_lock is not None:
        notes.append(
            f"data: {manifest.dataset.variant} is not pinned in the committed lock; it is pinned once here before "
            f"the first launch (current revision, every file's sha256) into {data_lock}, and every node fetches "
            "exactly that with --pinned-only"
        )
    per_seed = seed_deadline(manifest, node, image)
    life = cluster_defaults().lifecycle
    groups = [[seed] for seed in seeds] if options.per == "seed" else [list(seeds)]
    tasks = []
    for group in groups:
        task_id = f"{manifest.name}-s{group[0]}" if options.per == "seed" else manifest.name
        tasks.append(
            TaskSpec(
                task_id=task_id,
                cluster=cluster_name(fanout, task_id),
                name=manifest.name,
                pr=manifest.pr,
                target=sub.target if sub.in_workdir else manifest_mount(node, manifest.name),
                manifest_file=sub.manifest_file,
                manifest_upload=not sub.in_workdir,
                source_dir=sub.source_dir,
                submission_dir=sub.local_dir,
                seeds=group,
                image=image,
                accelerators=options.accelerators,
                gpus=gpus,
                variant=manifest.dataset.variant,
                train_shards=manifest.dataset.train_shards,
                data_bytes=size,
                data_lock=data_lock,
                seed_deadline_s=per_seed,
                deadline_s=life.provision_allowance_s
                + life.setup_allowance_s
                + len(group) * (per_seed + life.copy_allowance_s),
                blocked=blocked,
                notes=notes,
            )
        )
    return tasks


def plan_fanout(
    submissions: Sequence[Submission], options: FanoutOptions, *, workdir: Path, out_dir: Path
) -> FanoutPlan:
    if not submissions:
        raise UsageError("nothing to fan out: name at least one PR or manifest")
    names = [s.manifest.name for s in submissions]
    if len(set(names)) != len(names):
        raise UsageError(f"a submission is named twice: {', '.join(sorted({n for n in names if names.count(n) > 1}))}")
    node = node_layout()
    fanout = fanout_id(submissions, options)
    fanout_dir = out_dir / "fanout" / fanout
    tasks = [task for sub in submissions for task in _tasks(fanout, sub, options, node, fanout_dir)]
    return FanoutPlan(
        fanout_id=fanout,
        fanout_dir=fanout_dir,
        workdir=workdir,
        node=node,
        options=options,
        tasks=tasks,
        estimate=estimate(
            tasks, max_nodes=options.max_nodes, infra=options.infra, price_override=options.price_per_gpu_hour
        ),
    )
