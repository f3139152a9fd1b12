"""The pure planner: (manifest, options) -> Plan with one RunSpec per seed (STYLE.md practice 9).

No process, no Docker, no clock, no environment read: host facts arrive in RunOptions, limits come
from the ruleset, runner defaults from defaults.toml. It knows no backend: where things are as the
process sees them, the launcher, the host variables passed on and the container come from the
backend's placement (pgolf.runner.placement; LocalPlacement in local.py, DockerPlacement in
docker.py). `pgolf reproduce --dry-run` prints the result.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from pgolf.errors import UsageError
from pgolf.manifest import RUNNER_OWNED_ENV, Manifest
from pgolf.ruleset import TrackLimits, load_ruleset
from pgolf.runner.backend import placement_for
from pgolf.runner.defaults import runner_defaults
from pgolf.runner.model import DataLocation, Plan, PreflightSpec, RunBudget, RunOptions, RunSpec
from pgolf.runner.placement import Placement, ProcessPaths


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


def _env(
    manifest: Manifest,
    options: RunOptions,
    data: DataLocation,
    paths: ProcessPaths,
    placement: Placement,
    seed: int,
    run_id: str,
) -> dict[str, str]:
    env: dict[str, str] = dict(placement.host_env(options))
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
                [
                    paths.hook,
                    *([paths.shim] if paths.shim else []),
                    *([paths.site] if paths.site and manifest.extra_pip else []),
                    *filter(None, [manifest.env.get("PYTHONPATH")]),
                ]
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


def _launch(manifest: Manifest, options: RunOptions, placement: Placement, nproc: int) -> list[str]:
    return [*placement.launcher(options), "--standalone", f"--nproc_per_node={nproc}", manifest.entrypoint]


def _spec(
    manifest: Manifest, options: RunOptions, data: DataLocation, run_dir: Path, seed: int, common: dict[str, object]
) -> RunSpec:
    run_id = run_dir.name
    seed_dir = run_dir / f"seed-{seed}"
    placement = placement_for(options.backend)
    paths = placement.paths(seed_dir, data, options)
    return RunSpec.model_validate(
        {
            **common,
            "seed": seed,
            "seed_dir": seed_dir,
            "workdir": paths.workdir,
            "env": _env(manifest, options, data, paths, placement, seed, run_id),
            "dataset_prefix": paths.dataset,
            "claim": manifest.claims.get(seed),
            "container": placement.container(manifest, options, data, seed_dir, seed),
            "extra_pip": manifest.extra_pip,
            "extra_apt": manifest.extra_apt,
            "site_dir": Path(paths.site) if paths.site and manifest.extra_pip else None,
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
        "command": _launch(manifest, options, placement_for(options.backend), nproc),
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
