"""Benchmark of the code audit: gather + decode + analyse + all PG4xx checks on a 160 KB script.

`make bench` calls `main()`. With no argument it builds a synthetic record in a temporary folder: a
~160 KB train_gpt.py shipped as an lzma+base85 wrapper (so decoding is timed too), a helper module it
imports and a C source it compiles at run time, made of the shapes real records have (token loaders,
a capped training loop, hook-based GPTQ, score-first TTT, a hashed n-gram cache). Pass a records folder
to time a real submission instead. Prints the median of several runs.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pgolf.audit import fixture_scripts as fs

TARGET_BYTES = 160_000
RUNS = 5

_HELPER = '''"""A helper module the script imports (the online_ngram_tilt.py pattern)."""
import numpy as np


def tilt(logits, hints, beta=0.5):
    out = logits.copy()
    for i, h in enumerate(hints):
        if h >= 0:
            out[i, h] += beta
    return out - np.log(np.exp(out).sum(-1, keepdims=True))
'''

_C_SOURCE = """#include <stdint.h>
/* online_ngram_state.c: compiled with gcc at run time and loaded through ctypes. */
void update(uint32_t *table, const uint16_t *tokens, int64_t n, uint32_t mask) {
    for (int64_t i = 1; i < n; i++) table[((tokens[i - 1] * 36313u) ^ tokens[i]) & mask] += 1;
}
"""


def synthetic_script(target_bytes: int = TARGET_BYTES) -> str:
    """A syntactically valid script of about `target_bytes`, built from the fixture shapes."""
    base = fs.script(helpers=fs.SCORE_FIRST_TTT + fs.NGRAM_CACHE, after_eval=fs.RUN_TTT)
    base = "from bench_helper import tilt\nNGRAM_SRC = 'online_ngram_state.c'\n" + base
    blocks = [fs.TRAIN, fs.CALIBRATION, fs.EVAL, fs.SCORE_FIRST_TTT, fs.NGRAM_CACHE]
    parts = [base]
    i = 0
    while sum(len(p) for p in parts) < target_bytes:
        block = blocks[i % len(blocks)]
        suffix = f"_v{i}"
        renamed = block
        for name in (
            "def train(",
            "def collect_hessians(",
            "def gptq_quantize_and_save(",
            "def eval_val(",
            "def eval_val_ttt(",
            "class BackoffNgramMixer:",
        ):
            renamed = renamed.replace(name, name.replace("(", f"{suffix}(").replace(":", f"{suffix}:"))
        parts.append(renamed)
        i += 1
    return "".join(parts)


def build_record(root: Path) -> Path:
    folder = root / "records" / "track_10min_16mb" / "2026-05-01_Bench"
    folder.mkdir(parents=True)
    (folder / "train_gpt.py").write_text(fs.lzma_wrapped(synthetic_script()), encoding="utf-8")
    (folder / "bench_helper.py").write_text(_HELPER, encoding="utf-8")
    (folder / "online_ngram_state.c").write_text(_C_SOURCE, encoding="utf-8")
    (folder / "README.md").write_text("# bench\n", encoding="utf-8")
    return folder


def time_folder(folder: Path, runs: int = RUNS) -> tuple[float, int, int]:
    """Median wall seconds to gather, decode, analyse and run every PG4xx check; code bytes; files."""
    wall, _, size, files = _measure(folder, runs)
    return wall, size, files


def _measure(folder: Path, runs: int) -> tuple[float, float, int, int]:
    """(median wall s, median CPU s, decoded/loaded code bytes, source files)."""
    from checks import ALL_CHECKS
    from pgolf.catalogue import CheckContext, run_check
    from pgolf.folder import load_folder
    from pgolf.ruleset import load_ruleset

    ruleset = load_ruleset()
    code_checks = [c for c in ALL_CHECKS.values() if c.kind == "code"]
    walls: list[float] = []
    cpus: list[float] = []
    sources_bytes = files = 0
    for _ in range(runs):
        ctx = CheckContext(folder=load_folder(folder), ruleset=ruleset)
        started, cpu = time.perf_counter(), time.process_time()
        for check in code_checks:
            run_check(check(), ctx)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
        sources_bytes = sum(len(f.text) for f in ctx.sources.files if f.decoded_from or f.loaded_by)
        files = len(ctx.sources.files)
    return statistics.median(walls), statistics.median(cpus), sources_bytes, files


def main(argv: Sequence[str] | None = None) -> int:
    """Print the figure; `argv` may name a records folder (None: the synthetic record)."""
    args = list(argv or [])
    if args:
        wall, cpu, size, files = _measure(Path(args[0]), RUNS)
        label = args[0]
    else:
        with tempfile.TemporaryDirectory() as tmp:
            wall, cpu, size, files = _measure(build_record(Path(tmp)), RUNS)
        label = "synthetic 160 KB record (lzma-wrapped) + helper .py + .c"
    print(
        f"code audit: {wall:.3f} s wall ({cpu:.3f} s CPU), median of {RUNS}, for {label}: {files} source "
        f"files, {size / 1000:.0f} KB decoded/loaded code, all PG4xx checks (target: < 1 s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
