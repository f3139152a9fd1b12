"""`make bench`: speed figures, each measured as a ratio against a baseline taken in the same run.

1. `pgolf check` in process on a realistic folder (a ~160 KB script, three ~35 KB logs) against the
   floor of merely reading and parsing those files (logs with the log parser, JSON, the script's AST):
   target <= 3x the floor.
2. `pgolf check` as users run it (a new process per folder, start-up included) over main's record
   folders of the real-repository snapshot, beside a bare `python -c pass` and `import pgolf.cli` in the
   same run: target median <= 0.25 s on an idle 2-core machine; and the same folders in one call with
   `--jobs 1` and `--jobs 2`.
3. The code audit of a 160 KB script plus helpers (pgolf.audit.bench), when present.
4. The runner's overhead against bare torchrun on the example submission (pgolf.runner.bench).
5. Output capture time and peak memory on long lines and many lines (pgolf.runner.bench_capture).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from checks.fixture_kit import CLEAN_SCRIPT, Fixture, modern_log, submission_json
from pgolf.engine import check_paths
from pgolf.findings import Status
from pgolf.logs.parser import parse_log
from pgolf.ruleset import load_ruleset

SCRIPT_BYTES = 160_000
LOG_BYTES = 35_000


def _script() -> str:
    block = CLEAN_SCRIPT.replace("def train(", "def train_{i}(").replace("def evaluate(", "def evaluate_{i}(")
    parts: list[str] = []
    i = 0
    while sum(len(p) for p in parts) < SCRIPT_BYTES:
        parts.append(block.replace("{i}", str(i)))
        i += 1
    return "\n".join(parts)


def _log(seed: int, script: str) -> str:
    text = modern_log(seed, source_dump=script[:20_000])
    filler = [f"ttp: b{i}/782 bl:2.3149 bb:1.0848 rl:2.3149 rb:1.0848 dl:8452-9229 gd:0" for i in range(400)]
    head, _, tail = text.rpartition("quantized_ttt_phased")
    while len(head) < LOG_BYTES - 500:
        head += "\n".join(filler[:50]) + "\n"
    return head + "quantized_ttt_phased" + tail


def realistic_folder(root: Path) -> Path:
    script = _script()
    files: dict[str, str | bytes] = {
        "README.md": "# bench\n",
        "train_gpt.py": script,
        "submission.json": submission_json(),
    }
    for seed in (42, 314, 1234):
        files[f"train_seed{seed}.log"] = _log(seed, script)
    return Fixture("2026-05-01_bench", Status.PASS, files, "bench").write(root)


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    return median_wall_and_cpu(fn, repeat)[0]


def median_wall_and_cpu(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds (CPU time barely moves when other jobs load the machine)."""
    fn()  # warm caches and imports: we measure steady-state work, not first-import cost
    walls, cpus = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus)


def read_and_parse_floor(folder: Path) -> None:
    for path in sorted(folder.iterdir()):
        data = path.read_bytes()
        if path.suffix == ".log":
            parse_log(data.decode("utf-8", "replace"), path.name)
        elif path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".py":
            ast.parse(data)


CORPUS_RECORD = (
    Path(__file__).resolve().parents[2]
    / "shared/corpus/main/track_10min_16mb/2026-04-29_SmearGateBOSFix_3Seed_1.06141/train_seed314_rerun_gptq8s.log"
)


def real_record_folder(root: Path) -> Path | None:
    """A real record: the 152 KB script of #1868's re-run (from its log's source dump) and 3 logs."""
    if not CORPUS_RECORD.is_file():
        return None
    text = CORPUS_RECORD.read_text("utf-8")
    log = parse_log(text, CORPUS_RECORD.name)
    if log.source_dump is None:
        return None
    first, last = log.source_dump
    lines = text.splitlines()
    script = "\n".join(ln for ln in lines[first : last - 1] if not ln.startswith("====") and ln != "Source code:")
    tail = "\n".join(lines[last:]) + "\n"
    files: dict[str, str | bytes] = {
        "README.md": "# bench\n",
        "train_gpt.py": script,
        "submission.json": submission_json(),
    }
    files.update({f"train_seed{seed}.log": tail for seed in (42, 314, 1234)})
    return Fixture("2026-04-29_real_record", Status.PASS, files, "bench").write(root)


def _time_folder(label: str, folder: Path, repeat: int) -> None:
    ruleset = load_ruleset()
    sizes = {p.name: p.stat().st_size for p in folder.iterdir()}
    floor, floor_cpu = median_wall_and_cpu(lambda: read_and_parse_floor(folder), repeat)
    full, full_cpu = median_wall_and_cpu(lambda: check_paths([folder], ruleset), repeat)
    print(
        f"pgolf check on {label} ({sizes['train_gpt.py']:,} B script, 3 logs of ~{sizes['train_seed42.log']:,} B), "
        f"median of {repeat}, wall (CPU):"
    )
    print(f"  read+parse floor : {floor * 1000:8.1f} ms ({floor_cpu * 1000:.1f} ms)")
    print(
        f"  pgolf check      : {full * 1000:8.1f} ms ({full_cpu * 1000:.1f} ms)   "
        f"({full / floor:.1f}x the floor wall, {full_cpu / floor_cpu:.1f}x CPU; target: <= 3x)"
    )


def bench_check(repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        _time_folder("a synthetic folder", realistic_folder(Path(tmp) / "synthetic"), repeat)
        real = real_record_folder(Path(tmp) / "real")
        if real is None:
            print("real record: ../shared/corpus is absent; skipped")
        else:
            _time_folder("a real record (#1868 re-run script)", real, repeat)


def _wall(argv: list[str], env: dict[str, str] | None = None) -> float:
    return _run_timed(argv, env)[0]


def _run_timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall, CPU) seconds of one child process; CPU (user + system) moves less when the machine is busy."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, timeout=600, env=env)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def bytecode_env(cache: Path) -> dict[str, str]:
    """The environment of an installed tool: bytecode cached (here under `cache`, never in the tree).

    With PYTHONDONTWRITEBYTECODE set (as in some shells and CI images), every start would compile
    pgolf's sources again, which an installed pgolf never does; the figure would time the compiler.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def bench_process(sample: int) -> None:
    """`pgolf check FOLDER` in a fresh process per folder over main's records, beside bare interpreters."""
    from pgolf.realrepo.snapshot import MAIN, export_folder, main_record_folders, materialize, snapshot_tar

    tar = snapshot_tar()
    if tar is None:
        print("pgolf check per process: the real-repository snapshot is absent; skipped")
        return
    repo = materialize(tar)
    folders = main_record_folders(repo)
    step = max(1, len(folders) // sample) if sample else 1
    chosen = folders[::step]
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        paths = [str(export_folder(repo, MAIN, f, Path(tmp) / "folders")) for f in chosen]
        env = bytecode_env(Path(tmp) / "pycache")
        _wall([python, "-m", "pgolf", "check", "--jobs", "2", *paths], env)  # compiles and caches the bytecode
        bare = _medians([_run_timed([python, "-c", "pass"], env) for _ in range(5)])
        imports = _medians([_run_timed([python, "-c", "import pgolf.cli"], env) for _ in range(5)])
        runs = [_run_timed([python, "-m", "pgolf", "check", p], env) for p in paths]
        serial = _wall([python, "-m", "pgolf", "check", "--jobs", "1", *paths], env)
        parallel = _wall([python, "-m", "pgolf", "check", "--jobs", "2", *paths], env)
    print(
        f"pgolf check per process over {len(paths)} of main's {len(folders)} record folders "
        "(start-up included, bytecode cached as in an installed tool):"
    )
    wall, cpu = _medians(runs)
    print(f"  python -c pass     : {bare[0] * 1000:8.1f} ms ({bare[1] * 1000:.1f} ms CPU)   (any process)")
    print(f"  import pgolf.cli   : {imports[0] * 1000:8.1f} ms ({imports[1] * 1000:.1f} ms CPU)")
    print(
        f"  pgolf check FOLDER : {wall * 1000:8.1f} ms ({cpu * 1000:.1f} ms CPU) median, "
        f"{max(w for w, _ in runs) * 1000:.1f} ms max   (target: median <= 250 ms on an idle 2-core machine; "
        f"{wall / bare[0]:.1f}x python -c pass)"
    )
    print(
        f"  one call, {len(paths)} folders: --jobs 1 {serial:.2f} s, --jobs 2 {parallel:.2f} s "
        f"({serial / parallel:.2f}x)"
    )


def _optional(module: str, label: str) -> None:
    try:
        bench = importlib.import_module(module)
    except ImportError as exc:
        print(f"{label}: not available ({exc})")
        return
    bench.main()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["check", "process", "audit", "runner", "capture"], default=None)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--sample", type=int, default=20, help="main's record folders timed per process (0: all)")
    args = parser.parse_args()
    if args.only in (None, "check"):
        bench_check(args.repeat)
    if args.only in (None, "process"):
        bench_process(args.sample)
    if args.only in (None, "audit"):
        _optional("pgolf.audit.bench", "code audit")
    if args.only in (None, "runner"):
        _optional("pgolf.runner.bench", "runner overhead")
    if args.only in (None, "capture"):
        _optional("pgolf.runner.bench_capture", "output capture")


if __name__ == "__main__":
    main()
