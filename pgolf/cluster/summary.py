"""`pgolf fanout status`: one row per PR of a fan-out: seeds, claimed vs reproduced, GPU-hours, links.

Read from the fan-out folder only (plan, state, the promoted seed records), so it works while the
fan-out runs, after it, and on another machine the folder was copied to. The per-PR verdict belongs
to the report (`pgolf report merge`, issue 9): until that lands this table shows the numbers and the
runner's own per-seed `passed` flags, and names no verdict of its own.
"""

from __future__ import annotations

import statistics
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pgolf.cluster.model import FanoutPlan, FanoutState, Phase
from pgolf.cluster.state import STATE_FILE, load_plan, load_state, seed_dir
from pgolf.errors import UsageError
from pgolf.runner.model import SeedRecord
from pgolf.runner.store import read_record


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class SeedRow(_Frozen):
    seed: int
    status: str  # the record's status, or the task's phase while it has no record
    claimed_bpb: float | None = None
    reproduced_bpb: float | None = None
    passed: bool | None = None  # the runner's own flag (status ok, a score, no violation)
    run_dir: str | None = None  # relative to the fan-out folder


class PrRow(_Frozen):
    name: str
    pr: int | None
    seeds: list[SeedRow]
    claimed_mean: float | None
    reproduced_mean: float | None
    delta_bpb: float | None  # reproduced - claimed, on the seeds both have
    gpu_hours: float
    phases: dict[str, int]  # task phase -> tasks
    verdict: str | None = None  # from the report's verdict once `pgolf report merge` provides one
    reports: list[str] = Field(default_factory=list)  # report files found, relative to the fan-out folder


class FanoutSummary(_Frozen):
    fanout_id: str
    fanout_dir: Path
    rows: list[PrRow]
    gpu_hours: float
    complete: bool  # every task is done (a record per seed) and every seed passed
    incomplete: bool  # a task is not done: running, waiting, or given up (a seed has no record)


def latest_fanout(out_dir: Path) -> Path:
    folders = sorted((out_dir / "fanout").glob(f"*/{STATE_FILE}"), key=lambda p: p.stat().st_mtime)
    if not folders:
        raise UsageError(f"no fan-out under {out_dir / 'fanout'}: pass FANOUT_DIR")
    return folders[-1].parent


def _seed_row(fanout_dir: Path, name: str, seed: int, phase: Phase) -> SeedRow:
    folder = seed_dir(fanout_dir, name, seed)
    record: SeedRecord | None = read_record(folder / f"seed-{seed}" / "record.json")
    if record is None:
        return SeedRow(seed=seed, status=phase.value)
    return SeedRow(
        seed=seed,
        status=record.status.value,
        claimed_bpb=record.claim.val_bpb if record.claim else None,
        reproduced_bpb=record.admissible_score,  # a failed seed's printed score never counts
        passed=record.passed,
        run_dir=folder.relative_to(fanout_dir).as_posix(),
    )


def _mean(values: list[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _row(plan: FanoutPlan, state: FanoutState, name: str) -> PrRow:
    tasks = [t for t in plan.tasks if t.name == name]
    seeds = []
    phases: dict[str, int] = {}
    for task in tasks:
        ts = state.tasks.get(task.task_id)
        phase = ts.phase if ts else Phase.PENDING
        phases[phase.value] = phases.get(phase.value, 0) + 1
        seeds += [_seed_row(plan.fanout_dir, name, seed, phase) for seed in task.seeds]
    both = [s for s in seeds if s.claimed_bpb is not None and s.reproduced_bpb is not None]
    claimed = _mean([s.claimed_bpb for s in seeds if s.claimed_bpb is not None])
    reproduced = _mean([s.reproduced_bpb for s in seeds if s.reproduced_bpb is not None])
    delta = _mean([s.reproduced_bpb - s.claimed_bpb for s in both if s.reproduced_bpb and s.claimed_bpb])
    reports = sorted(
        p.relative_to(plan.fanout_dir).as_posix()
        for s in seeds
        if s.run_dir
        for p in (plan.fanout_dir / s.run_dir).glob("report.*")
    )
    return PrRow(
        name=name,
        pr=tasks[0].pr,
        seeds=seeds,
        claimed_mean=claimed,
        reproduced_mean=reproduced,
        delta_bpb=delta,
        gpu_hours=sum(state.tasks[t.task_id].gpu_hours for t in tasks if t.task_id in state.tasks),
        phases=phases,
        reports=reports,
    )


def summarize(fanout_dir: Path) -> FanoutSummary:
    plan = load_plan(fanout_dir)
    plan = plan.model_copy(update={"fanout_dir": fanout_dir})  # the folder may have been moved or copied
    state = load_state(fanout_dir)
    if state is None:
        raise UsageError(f"{fanout_dir}: no {STATE_FILE}; the fan-out was planned but never run")
    names = list(dict.fromkeys(t.name for t in plan.tasks))
    rows = [_row(plan, state, name) for name in names]
    complete = all(ts.phase is Phase.DONE for ts in state.tasks.values()) and all(
        s.passed for row in rows for s in row.seeds
    )
    return FanoutSummary(
        incomplete=any(ts.phase is not Phase.DONE for ts in state.tasks.values()),
        fanout_id=plan.fanout_id,
        fanout_dir=fanout_dir,
        rows=rows,
        gpu_hours=sum(r.gpu_hours for r in rows),
        complete=complete,
    )


def _bpb(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.5f}" if sign else f"{value:.5f}"


def render_summary(summary: FanoutSummary, *, markdown: bool = False) -> str:
    header = ["PR", "seeds", "claimed", "reproduced", "Δ bpb", "passed", "tasks", "GPU-h", "verdict", "runs"]
    rows = []
    for row in summary.rows:
        passed = sum(bool(s.passed) for s in row.seeds)
        with_record = [s for s in row.seeds if s.run_dir]
        rows.append(
            [
                f"#{row.pr}" if row.pr else row.name,
                f"{len(with_record)}/{len(row.seeds)}",
                _bpb(row.claimed_mean),
                _bpb(row.reproduced_mean),
                _bpb(row.delta_bpb, sign=True),
                f"{passed}/{len(row.seeds)}",
                ", ".join(f"{n} {p}" for p, n in sorted(row.phases.items())),
                f"{row.gpu_hours:.1f}",
                row.verdict or "see report",
                " ".join(s.run_dir for s in with_record if s.run_dir) or "-",
            ]
        )
    title = f"fan-out {summary.fanout_id} ({summary.fanout_dir}): {summary.gpu_hours:.1f} GPU-hours held"
    if markdown:
        lines = [f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
    else:
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
        lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines) + "\n"
