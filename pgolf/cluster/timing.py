"""Per-seed phase times from real training logs, read with the repository's own log parser.

The cost plan (docs/fanout.md, cost.toml) needs what one seed costs on 8xH100, phase by phase. The
logs state some phases themselves (ENVIRONMENT.md §5): the training loop (`stopping_early ...
train_time`), GPTQ Hessians, the TTT compile warm-up, diagnostic evals, the scored eval
(`total_eval_time`), and in the #1868/#1950 compliance reruns `serialize_wallclock` and
`artifact_production_wallclock` (from the start of `train_model`, compile and warm-ups included,
to the artifact on disk), which bound the untimed start-up. Nothing is guessed here: a phase a log
does not state is absent from that log's row.

    python -m pgolf.cluster.timing ../shared/corpus/main/track_10min_16mb
    python -m pgolf.cluster.timing --git /tmp/pg/parameter-golf.git --pr 2135 2130 2118
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from pgolf.logs.model import LogRole, ParsedLog
from pgolf.logs.parser import parse_log
from pgolf.runner import proc

_LOG_SUFFIXES = (".log", ".txt")
PHASES = ("train_s", "gptq_hessians_s", "serialize_s", "start_s", "diagnostics_s", "ttt_compile_s", "eval_s")


class SeedTimes(BaseModel):
    """One training log's stated phase times, seconds. None: the log does not state it."""

    model_config = ConfigDict(frozen=True)
    source: str
    train_s: float | None = None  # the training loop (stopping_early train_time)
    gptq_hessians_s: float | None = None
    serialize_s: float | None = None  # quantise + compress + write (serialize_wallclock)
    start_s: float | None = None  # artifact_production - train - hessians - serialize: model build, compile, warm-ups
    diagnostics_s: float | None = None  # diagnostic evals (pre-quantization, quantized)
    ttt_compile_s: float | None = None
    eval_s: float | None = None  # the scored eval (total_eval_time, else the final line's eval_time)


class PhaseStats(BaseModel):
    model_config = ConfigDict(frozen=True)
    phase: str
    n: int
    median: float
    p90: float
    low: float
    high: float


def seed_times(log: ParsedLog, source: str) -> SeedTimes | None:
    """The phase times of a training log on 8 GPUs (None for eval-only, partial or other-size runs)."""
    if log.role not in (LogRole.TRAIN, LogRole.RERUN) or log.stop is None:
        return None
    if log.world_size is not None and log.world_size.value != 8:
        return None
    train = log.stop.train_time_ms / 1000.0
    hessians = log.gptq_hessian_seconds.value if log.gptq_hessian_seconds else None
    serialize = log.serialize_wallclock_s.value if log.serialize_wallclock_s else None
    start = None
    if log.artifact_production_wallclock_s is not None and serialize is not None:
        start = max(0.0, log.artifact_production_wallclock_s.value - train - (hessians or 0.0) - serialize)
    diagnostics = [m.eval_time_ms / 1000.0 for m in log.metrics if m.diagnostic and m.eval_time_ms is not None]
    eval_s = log.total_eval_time_s.value if log.total_eval_time_s else None
    if eval_s is None and log.final is not None and log.final.eval_time_ms is not None:
        eval_s = log.final.eval_time_ms / 1000.0
    return SeedTimes(
        source=source,
        train_s=train,
        gptq_hessians_s=hessians,
        serialize_s=serialize,
        start_s=start,
        diagnostics_s=sum(diagnostics) if diagnostics else None,
        ttt_compile_s=log.ttt_compile_warmup_s.value if log.ttt_compile_warmup_s else None,
        eval_s=eval_s,
    )


def from_folders(folders: Iterable[Path]) -> list[SeedTimes]:
    """Every log file under each folder (a records folder, or a track folder holding many)."""
    rows = []
    for folder in folders:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in _LOG_SUFFIXES):
            text = path.read_text("utf-8", errors="replace")
            row = seed_times(parse_log(text, path.name), str(path.relative_to(folder.parent)))
            if row is not None:
                rows.append(row)
    return rows


def _git(repo: Path, *args: str) -> str:
    return proc.run(["git", "--git-dir", str(repo), *args], timeout_s=120.0).output


def from_git(repo: Path, prs: Sequence[int], missing: list[int] | None = None) -> list[SeedTimes]:
    """The logs each PR head adds under records/ (two-dot diff against main: the snapshot is shallow).
    PRs whose head is not in the repository are skipped and listed in `missing`."""
    rows = []
    for pr in prs:
        ref = f"refs/pull/{pr}/head"
        try:
            _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        except proc.CommandFailed:
            if missing is not None:
                missing.append(pr)
            continue
        listing = _git(repo, "diff", "--name-status", "--no-renames", "main", ref, "--", "records/")
        for line in listing.splitlines():
            status, _, path = line.partition("\t")
            if status != "A" or not path.endswith(_LOG_SUFFIXES):
                continue
            row = seed_times(parse_log(_git(repo, "show", f"{ref}:{path}"), Path(path).name), f"#{pr}:{path}")
            if row is not None:
                rows.append(row)
    return rows


def summarize(rows: Sequence[SeedTimes]) -> list[PhaseStats]:
    stats = []
    for phase in PHASES:
        values = sorted(v for row in rows if (v := getattr(row, phase)) is not None)
        if not values:
            continue
        p90 = statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]
        stats.append(
            PhaseStats(
                phase=phase, n=len(values), median=statistics.median(values), p90=p90, low=values[0], high=values[-1]
            )
        )
    return stats


def render(stats: Sequence[PhaseStats], logs: int) -> str:
    lines = [
        f"{logs} training logs on 8 GPUs",
        f"{'phase':<16} {'n':>4} {'median':>8} {'p90':>8} {'min':>8} {'max':>8}",
    ]
    lines += [f"{s.phase:<16} {s.n:>4} {s.median:>8.1f} {s.p90:>8.1f} {s.low:>8.1f} {s.high:>8.1f}" for s in stats]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pgolf.cluster.timing", description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="*", type=Path, help="folders holding training logs")
    parser.add_argument("--git", type=Path, default=None, help="a bare clone of the challenge repository")
    parser.add_argument("--pr", type=int, nargs="*", default=[], help="PR heads to read logs from (with --git)")
    args = parser.parse_args(argv)
    rows = from_folders(args.folders)
    missing: list[int] = []
    if args.git is not None:
        rows += from_git(args.git, args.pr, missing)
    if missing:
        print(f"not in {args.git}: {', '.join(f'#{pr}' for pr in missing)}", file=sys.stderr, flush=True)
    sys.stdout.write(render(summarize(rows), len(rows)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
