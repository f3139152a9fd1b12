"""The runner's overhead against bare torchrun on the same submission (`make bench`, or
`python -m pgolf.runner.bench [--repeat N] [--fast]`).

Both sides run the example submission with the same environment, interleaved so machine drift
hits both alike. "bare" is `python -m torch.distributed.run ...` with output collected and
nothing else; "runner" is LocalBackend.run: staging the folder copy, the audit hook in every
process, line stamping and tees, the deadline supervision, the orphan sweep, artifact hashing, log
parsing and the trace summary. The once-per-reproduction preflight is reported on its own line.
Target: overhead under 2 % of wall time, or under 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pgolf.errors import EnvironmentMissing
from pgolf.manifest import Manifest, load_manifest, manifest_path
from pgolf.runner import proc
from pgolf.runner.hook import HOOK_DIR
from pgolf.runner.local import LocalBackend, host_python
from pgolf.runner.model import RunOptions, RunSpec, SeedStatus
from pgolf.runner.plan import plan
from pgolf.runner.staging import synthesize

# --fast: a 3-second training cap, for a quick look (the ratio then overstates the overhead)
FAST_ENV = {"MAX_WALLCLOCK_SECONDS": "3", "ITERATIONS": "50"}
_HOOK_ENV = ("PGOLF_TRACE_DIR", "PGOLF_TRACE_PREFIXES", "PYTHONPATH")


def _specs(manifest: Manifest, root: Path, repeat: int) -> list[RunSpec]:
    repo_root = manifest_path(manifest.name).resolve().parent.parent
    source = manifest.folder(repo_root)
    if source is None or not source.is_dir():
        raise EnvironmentMissing(f"the {manifest.name} submission folder is missing; run from the repository root")
    options = RunOptions(
        source_dir=source,
        data=synthesize(manifest, root / "data"),
        out_dir=root / "reports",
        run_id="bench",
        seeds=list(range(1, repeat + 1)),
        nproc_per_node=1,
        python=host_python(),
        hook_dir=HOOK_DIR,
        host_env=dict(os.environ),
    )
    return plan(manifest, options).specs


def bare_seconds(spec: RunSpec, scratch: Path) -> float:
    """Bare torchrun in a fresh copy of the folder, same env minus the audit hook."""
    work = scratch / f"bare-{spec.seed}"
    shutil.copytree(spec.source_dir, work)
    env = {k: v for k, v in spec.env.items() if k not in _HOOK_ENV}
    env["ARTIFACT_DIR"] = str(work / "artifacts")
    started = time.monotonic()
    proc.run(spec.command, cwd=work, env=env, timeout_s=spec.budget.deadline_s)
    return time.monotonic() - started


def runner_seconds(backend: LocalBackend, spec: RunSpec) -> tuple[float, float]:
    """(wall of LocalBackend.run, the part of it spent outside the child: staging, finalizing, sweeping)."""
    started = time.monotonic()
    record = backend.run(spec)
    elapsed = time.monotonic() - started
    if record.status is not SeedStatus.OK:
        raise RuntimeError(f"bench run of seed {spec.seed} ended {record.status.value}: see {spec.raw_log}")
    return elapsed, elapsed - record.wall_s


def measure(manifest: Manifest, repeat: int) -> tuple[list[float], list[tuple[float, float]], float]:
    with tempfile.TemporaryDirectory(prefix="pgolf-bench-") as tmp:
        root = Path(tmp)
        specs = _specs(manifest, root, repeat)
        backend = LocalBackend()
        started = time.monotonic()
        backend.preflight(specs[0])
        preflight = time.monotonic() - started
        bare: list[float] = []
        runner: list[tuple[float, float]] = []
        for index, spec in enumerate(specs):
            # alternate which side goes first, so a warming page cache favours neither
            if index % 2 == 0:
                bare.append(bare_seconds(spec, root))
                runner.append(runner_seconds(backend, spec))
            else:
                runner.append(runner_seconds(backend, spec))
                bare.append(bare_seconds(spec, root))
        return bare, runner, preflight


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m pgolf.runner.bench", description="the runner's overhead against bare torchrun"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per side (median reported)")
    parser.add_argument("--fast", action="store_true", help="3 s training cap instead of the example's")
    parser.add_argument("--manifest", default="example")
    args = parser.parse_args(list(argv) if argv is not None else [])
    manifest = load_manifest(args.manifest)
    if args.fast:
        manifest = manifest.model_copy(update={"env": {**manifest.env, **FAST_ENV}})
    bare, measured, preflight = measure(manifest, max(1, args.repeat))
    runner = [wall for wall, _ in measured]
    outside = statistics.median(own for _, own in measured)
    bare_median, runner_median = statistics.median(bare), statistics.median(runner)
    overhead = runner_median - bare_median
    ratio = overhead / bare_median if bare_median > 0 else float("nan")
    verdict = "within target" if ratio < 0.02 or overhead < 1.0 else "ABOVE target"
    print(f"runner overhead on {manifest.name} ({len(bare)} runs per side, medians):")
    print(f"  bare torchrun  {bare_median:8.2f} s   runs: {', '.join(f'{s:.2f}' for s in bare)}")
    print(f"  pgolf runner   {runner_median:8.2f} s   runs: {', '.join(f'{s:.2f}' for s in runner)}")
    print(f"  overhead       {overhead:+8.2f} s   {ratio:+.2%} of wall ({verdict}: < 2 % or < 1 s)")
    print(f"  outside child  {outside:8.3f} s   staging + finalizing per seed (outside the child's lifetime)")
    print(f"  preflight      {preflight:8.2f} s   once per reproduction (torch probe, nvidia-smi)")


if __name__ == "__main__":
    main(sys.argv[1:])
