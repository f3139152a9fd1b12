"""The pure planner: (manifest, options) -> Plan with one RunSpec per seed (STYLE.md practice 9).

No process, no Docker, no clock, no environment read: host facts arrive in RunOptions, limits come
from the ruleset, runner defaults from defaults.toml. `pgolf reproduce --dry-run` prints the result.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pgolf.errors import UsageError
from pgolf.manifest import RUNNER_OWNED_ENV, Manifest
from pgolf.ruleset import TrackLimits, load_ruleset
from pgolf.runner.model import (
    ContainerSpec,
    DataLocation,
    Mount,
    Plan,
    PreflightSpec,
    RunBudget,
    RunOptions,
    RunSpec,
)


class DeadlineDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    slack_seconds: float
    term_grace_seconds: float


class DockerDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    shm_size: str
    submission_mount: str
    output_mount: str
    data_mount: str
    hook_mount: str
    launcher: list[str]


class EnvDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    allow: list[str]


class RunnerDefaults(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    deadline: DeadlineDefaults
    docker: DockerDefaults
    env: EnvDefaults


@cache
def runner_defaults() -> RunnerDefaults:
    text = (resources.files("pgolf.runner") / "defaults.toml").read_text("utf-8")
    return RunnerDefaults.model_validate(tomllib.loads(text))


def plan_hash(manifest: Manifest, options: RunOptions) -> str:
    """What decides a reproduction's result. Re-running with the same hash resumes the same run folder.
    A synthesized dataset's location is left out: it lives inside the run folder this hash names."""
    data = options.data
    key = {
        "manifest": manifest.model_dump(mode="json"),
        "backend": options.backend,
        "seeds": options.seeds or manifest.seeds,
        "nproc": options.nproc_per_node or manifest.nproc_per_node,
        "ruleset": options.ruleset or manifest.ruleset,
        "image": options.image or manifest.image,
        # Data the run folder itself holds (synthesized, or made for a smoke run) is decided by the rest.
        "data": None
        if data is None or data.variant == "synth" or options.profile == "smoke"
        else data.model_dump(mode="json"),
        "profile": options.profile,
        "deviations": options.deviations,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


def default_run_id(manifest: Manifest, options: RunOptions) -> str:
    return f"{options.backend}-{plan_hash(manifest, options)[:12]}"


def _track(manifest: Manifest, options: RunOptions) -> tuple[str, TrackLimits]:
    ruleset = load_ruleset(options.ruleset or manifest.ruleset)
    track = ruleset.track(manifest.track)
    if track is None:
        raise UsageError(f"manifest {manifest.name}: unknown track {manifest.track!r} in ruleset {ruleset.id}")
    return ruleset.id, track


def _budget(manifest: Manifest, track: TrackLimits, options: RunOptions) -> RunBudget:
    defaults = runner_defaults().deadline
    wanted = manifest.budget
    for value, limit, what in (
        (wanted.train_seconds, track.max_train_seconds, "train_seconds"),
        (wanted.eval_seconds, track.max_eval_seconds, "eval_seconds"),
    ):
        if value is not None and value > limit:
            raise UsageError(f"manifest {manifest.name}: budget.{what}={value} exceeds the track's {limit}")
    slack = options.slack_s if options.slack_s is not None else wanted.slack_seconds
    return RunBudget(
        train_s=wanted.train_seconds or track.max_train_seconds,
        eval_s=wanted.eval_seconds or track.max_eval_seconds,
        slack_s=slack if slack is not None else defaults.slack_seconds,
        term_grace_s=options.term_grace_s if options.term_grace_s is not None else defaults.term_grace_seconds,
    )


class _Paths(BaseModel):
    """Where things are as the process sees them (host paths locally, mount points in a container)."""

    model_config = ConfigDict(frozen=True)
    workdir: str
    dataset: str
    tokenizer: str | None
    artifacts: str
    trace: str
    cache: str
    home: str | None
    hook: str
    shim: str | None = None


def _local_paths(seed_dir: Path, data: DataLocation, hook_dir: Path, shared_cache: bool) -> _Paths:
    out = seed_dir / "out"  # RunSpec.out_dir
    return _Paths(
        workdir=str(out / "work"),
        dataset=str(data.dataset_dir),
        tokenizer=None if data.tokenizer_path is None else str(data.tokenizer_path),
        artifacts=str(out / "artifacts"),
        trace=str(out / "trace"),
        cache=str(seed_dir.parent / "cache" if shared_cache else out / "cache"),
        home=None,
        hook=str(hook_dir),
    )


def _container_paths(data: DataLocation) -> _Paths:
    d = runner_defaults().docker
    tokenizer = None
    if data.tokenizer_path is not None:
        tokenizer = f"{d.data_mount}/tokenizer/{data.tokenizer_path.name}"
    return _Paths(
        workdir=f"{d.output_mount}/work",
        dataset=f"{d.data_mount}/dataset",
        tokenizer=tokenizer,
        artifacts=f"{d.output_mount}/artifacts",
        trace=f"{d.output_mount}/trace",
        cache=f"{d.output_mount}/cache",
        home=f"{d.output_mount}/home",
        hook=d.hook_mount,
    )


def _env(
    manifest: Manifest, options: RunOptions, data: DataLocation, paths: _Paths, seed: int, run_id: str
) -> dict[str, str]:
    env: dict[str, str] = {}
    if options.backend == "local":  # a container has its own PATH/HOME; host values would be wrong there
        env.update({k: options.host_env[k] for k in runner_defaults().env.allow if k in options.host_env})
    env.update(manifest.env)
    env.update(
        {
            "DATA_PATH": paths.dataset,
            "SEED": str(seed),
            "RUN_ID": f"{manifest.name}_{run_id}_seed{seed}",
            "ARTIFACT_DIR": paths.artifacts,
            # print() is block-buffered under torchrun; unbuffered output is what we timestamp.
            "PYTHONUNBUFFERED": "1",
            # Cold, per-run compile caches, like a fresh pod (ENVIRONMENT.md §5.3).
            "TORCHINDUCTOR_CACHE_DIR": f"{paths.cache}/inductor",
            "TRITON_CACHE_DIR": f"{paths.cache}/triton",
            "PGOLF_TRACE_DIR": paths.trace,
            "PGOLF_TRACE_PREFIXES": paths.dataset,
            "PYTHONPATH": ":".join(
                [paths.hook, *([paths.shim] if paths.shim else []), *filter(None, [manifest.env.get("PYTHONPATH")])]
            ),
        }
    )
    if paths.tokenizer is not None:
        env["TOKENIZER_PATH"] = paths.tokenizer
    if paths.home is not None:  # a container run as the caller's uid has no passwd entry to name it
        env["HOME"] = paths.home
        env.setdefault("USER", "pgolf")  # getpass.getuser() (Triton, inductor) reads it first
    if data.vocab_size is not None and "VOCAB_SIZE" not in manifest.env:
        env["VOCAB_SIZE"] = str(data.vocab_size)
    return env


def _launch(manifest: Manifest, options: RunOptions, nproc: int) -> list[str]:
    args = ["--standalone", f"--nproc_per_node={nproc}", manifest.entrypoint]
    if options.backend == "docker":
        return [*runner_defaults().docker.launcher, *args]
    # `python -m torch.distributed.run` is torchrun's own entry point, pinned to a known interpreter.
    return [options.python, "-m", "torch.distributed.run", *args]


_DOCKER_NAME = re.compile(r"[^a-zA-Z0-9_.-]")


def _container(
    manifest: Manifest, options: RunOptions, data: DataLocation, seed_dir: Path, run_id: str, seed: int
) -> ContainerSpec:
    d = runner_defaults().docker
    image = options.image or manifest.image
    if image is None:
        raise UsageError(f"manifest {manifest.name} has no image; set `image` or pass --image for --backend docker")
    mounts = [
        Mount(source=options.source_dir, target=d.submission_mount, read_only=True),
        Mount(source=seed_dir / "out", target=d.output_mount, read_only=False),
        Mount(source=data.dataset_dir, target=f"{d.data_mount}/dataset", read_only=True),
        Mount(source=options.hook_dir, target=d.hook_mount, read_only=True),
    ]
    if data.tokenizer_path is not None:
        mounts.append(Mount(source=data.tokenizer_path.parent, target=f"{d.data_mount}/tokenizer", read_only=True))
    return ContainerSpec(
        image=image,
        name=_DOCKER_NAME.sub("-", f"pgolf-{run_id}-{seed}"),
        labels={"pgolf.run_id": run_id, "pgolf.seed": str(seed), "pgolf.name": manifest.name},
        mounts=mounts,
        workdir=f"{d.output_mount}/work",
        shm_size=options.shm_size or d.shm_size,
        gpus=options.gpus,
        network_none=options.network_none,
        keep=options.keep_container,
        user=options.user,
    )


def _spec(
    manifest: Manifest, options: RunOptions, data: DataLocation, run_dir: Path, seed: int, common: dict[str, object]
) -> RunSpec:
    run_id = run_dir.name
    seed_dir = run_dir / f"seed-{seed}"
    container = None
    if options.backend == "docker":
        paths = _container_paths(data)
        if options.shim_dir is not None:  # the image's copy (docker/Dockerfile.*)
            paths = paths.model_copy(update={"shim": "/opt/pgolf/shim"})
        container = _container(manifest, options, data, seed_dir, run_id, seed)
    else:
        paths = _local_paths(seed_dir, data, options.hook_dir, options.shared_compile_cache)
        if options.shim_dir is not None:
            paths = paths.model_copy(update={"shim": str(options.shim_dir)})
    return RunSpec.model_validate(
        {
            **common,
            "seed": seed,
            "seed_dir": seed_dir,
            "workdir": paths.workdir,
            "env": _env(manifest, options, data, paths, seed, run_id),
            "dataset_prefix": paths.dataset,
            "claim": manifest.claims.get(seed),
            "container": container,
        }
    )


def _dist_name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]


def _preflight(manifest: Manifest, options: RunOptions, track: TrackLimits, nproc: int) -> PreflightSpec:
    modules = [m for m in manifest.imports if m != "flash_attn_interface"] or ["torch"]
    official_hardware = track.record and options.profile == "official"
    return PreflightSpec(
        modules=modules,
        flash_attn="flash_attn_interface" in manifest.imports,
        allow_shim=options.shim_dir is not None,
        tools=list(manifest.requires),
        dists=[_dist_name(r) for r in manifest.extra_pip],
        gpus=nproc if track.record else -1,
        capability="9.0" if official_hardware else "any",
    )


def plan(manifest: Manifest, options: RunOptions) -> Plan:
    """Expand a manifest into run specs. Raises UsageError for what cannot be planned."""
    data = options.data
    if data is None:
        raise UsageError("no dataset location: pass --data DIR (or use a manifest with the synth dataset)")
    ruleset_id, track = _track(manifest, options)
    run_id = options.run_id or default_run_id(manifest, options)
    run_dir = options.out_dir / manifest.name / run_id
    nproc = options.nproc_per_node or manifest.nproc_per_node
    common: dict[str, object] = {  # what every seed shares
        "name": manifest.name,
        "run_id": run_id,
        "backend": options.backend,
        "source_dir": options.source_dir,
        "setup": manifest.setup,
        "command": _launch(manifest, options, nproc),
        "preflight": _preflight(manifest, options, track, nproc),
        "overridden_env": [k for k in RUNNER_OWNED_ENV if k in manifest.env],
        "data": data,
        "budget": _budget(manifest, track, options),
        "track": track.name,
        "max_artifact_bytes": track.max_artifact_bytes,
        "artifact_globs": manifest.artifact_globs,
        "code_files": manifest.counted_code,
    }
    return Plan(
        name=manifest.name,
        run_id=run_id,
        plan_hash=plan_hash(manifest, options),
        run_dir=run_dir,
        backend=options.backend,
        ruleset=ruleset_id,
        track=track.name,
        manifest=manifest,
        specs=[_spec(manifest, options, data, run_dir, seed, common) for seed in options.seeds or manifest.seeds],
        profile=options.profile,
        deviations=options.deviations,
    )
