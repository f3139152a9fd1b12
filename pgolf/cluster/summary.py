"""`pgolf fanout status`: one row per PR: seeds, claimed vs reproduced, the report's verdict, GPU-hours,
and where each PR's report is.

The per-PR report is the reproduction report (pgolf.report): the seeds of one PR came back as separate
run folders (one per node), so they are merged with `pgolf report merge`'s own function into
merged/<name>/seeds-<s1>-<s2>.../ and reported there (with the evidence bundle); a PR with one seed
back is reported in its run folder. Both are built once per set of seeds: records never change after
they are copied back. The verdict is the report's. The fan-out adds only what the report cannot
know: a planned seed that has no record yet (its task is running, waiting, or was given up on).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from pgolf.cluster.model import FanoutPlan, FanoutState, Phase
from pgolf.cluster.state import STATE_FILE, load_plan, load_state, seed_dir
from pgolf.errors import EXIT_INCOMPLETE, EXIT_OK, EXIT_VIOLATIONS, UsageError
from pgolf.runner.model import SeedRecord
from pgolf.runner.store import read_record

if TYPE_CHECKING:  # the report (matplotlib) is imported only when a report is built or read
    from pgolf.report.model import RunReport

REPORT_JSON = "report.json"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class SeedRow(_Frozen):
    seed: int
    status: str  # the record's status, or the task's phase while it has no record
    claimed_bpb: float | None = None
    reproduced_bpb: float | None = None
    run_dir: str | None = None  # relative to the fan-out folder


class PrRow(_Frozen):
    name: str
    pr: int | None
    seeds: list[SeedRow]
    claimed_mean: float | None
    reproduced_mean: float | None
    delta_bpb: float | None  # reproduced - claimed, on the means
    gpu_hours: float
    phases: dict[str, int]  # task phase -> tasks
    verdict: str | None = None  # REPRODUCED / NOT REPRODUCED / INCOMPLETE (the report's headline)
    reason: str | None = None  # the report's one-line reason, or which planned seeds have no record
    exit_code: int  # the verdict's exit code (pgolf.errors), incomplete while a planned seed has no record
    report: str | None = None  # report.html, relative to the fan-out folder
    report_error: str | None = None  # why no report could be built (e.g. runs that cannot be merged)
    runs: list[str] = Field(default_factory=list)  # the seeds' run folders, relative to the fan-out folder


class FanoutSummary(_Frozen):
    fanout_id: str
    fanout_dir: Path
    rows: list[PrRow]
    gpu_hours: float
    remote_identity: dict[str, str] = Field(default_factory=dict)
    exit_code: int

    @property
    def complete(self) -> bool:
        return self.exit_code == EXIT_OK


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
        run_dir=folder.relative_to(fanout_dir).as_posix(),
    )


def _report_dir(fanout_dir: Path, name: str, runs: list[Path]) -> Path:
    """Where the PR's report lives: the one run folder, or the merge of several (built once)."""
    if len(runs) == 1:
        return runs[0]
    from pgolf.report.merge import merge_runs

    seeds = "-".join(sorted(run.name.removeprefix("seed-") for run in runs))
    target = fanout_dir / "merged" / name / f"seeds-{seeds}"
    if target.is_dir():
        return target
    staging = fanout_dir / "staging" / f"merged-{name}-{uuid.uuid4().hex[:8]}"
    try:
        merge_runs(runs, staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.rename(target)  # whole or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _report(fanout_dir: Path, name: str, runs: list[Path]) -> tuple[RunReport, Path]:
    """(RunReport, its folder) for the PR's seeds back, building the report (and bundle) if missing."""
    from pgolf.report.model import RunReport
    from pgolf.report.write import publish

    folder = _report_dir(fanout_dir, name, runs)
    existing = folder / REPORT_JSON
    if existing.is_file():
        try:
            return RunReport.model_validate_json(existing.read_text("utf-8")), folder
        except ValueError:
            pass  # an older report format: rebuilt below
    report, _paths = publish(folder)
    return report, folder


def _row(plan: FanoutPlan, state: FanoutState, name: str) -> PrRow:
    tasks = [t for t in plan.tasks if t.name == name]
    seeds: list[SeedRow] = []
    phases: dict[str, int] = {}
    for task in tasks:
        ts = state.tasks.get(task.task_id)
        phase = ts.phase if ts else Phase.PENDING
        phases[phase.value] = phases.get(phase.value, 0) + 1
        seeds += [_seed_row(plan.fanout_dir, name, seed, phase) for seed in task.seeds]
    runs = [plan.fanout_dir / s.run_dir for s in seeds if s.run_dir]
    missing = [s.seed for s in seeds if s.run_dir is None]
    common: dict[str, object] = {
        "name": name,
        "pr": tasks[0].pr,
        "seeds": seeds,
        "gpu_hours": sum(state.tasks[t.task_id].gpu_hours for t in tasks if t.task_id in state.tasks),
        "phases": phases,
        "runs": [s.run_dir for s in seeds if s.run_dir],
        "claimed_mean": None,
        "reproduced_mean": None,
        "delta_bpb": None,
    }
    verdict: dict[str, object] = {}
    if runs:
        try:
            report, folder = _report(plan.fanout_dir, name, runs)
        except UsageError as exc:  # a merge refused (different submissions or conditions): say so
            verdict = {"report_error": str(exc)}
        else:
            o = report.overall
            delta = None if o.reproduced_mean is None or o.claimed_mean is None else o.reproduced_mean - o.claimed_mean
            verdict = {
                "verdict": report.verdict.headline,
                "reason": report.verdict.reason,
                "exit_code": report.verdict.exit_code,
                "report": (folder / "report.html").relative_to(plan.fanout_dir).as_posix(),
                "claimed_mean": o.claimed_mean,
                "reproduced_mean": o.reproduced_mean,
                "delta_bpb": delta,
            }
    if missing:  # the report sees only the seeds that came back; the fan-out planned these too
        waiting = ", ".join(str(s) for s in missing)
        prefix = f"{verdict['verdict']} on the seeds back; " if "verdict" in verdict else ""
        verdict |= {"verdict": "INCOMPLETE", "reason": f"{prefix}no record yet for seed(s) {waiting}"}
        verdict["exit_code"] = EXIT_INCOMPLETE
    verdict.setdefault("exit_code", EXIT_INCOMPLETE)
    return PrRow.model_validate({**common, **verdict})


def summarize(fanout_dir: Path) -> FanoutSummary:
    plan = load_plan(fanout_dir)
    plan = plan.model_copy(update={"fanout_dir": fanout_dir})  # the folder may have been moved or copied
    state = load_state(fanout_dir)
    if state is None:
        raise UsageError(f"{fanout_dir}: no {STATE_FILE}; the fan-out was planned but never run")
    names = list(dict.fromkeys(t.name for t in plan.tasks))
    rows = [_row(plan, state, name) for name in names]
    codes = {row.exit_code for row in rows}
    if any(ts.phase is not Phase.DONE for ts in state.tasks.values()) or EXIT_INCOMPLETE in codes:
        code = EXIT_INCOMPLETE
    else:
        code = EXIT_VIOLATIONS if codes - {EXIT_OK} else EXIT_OK
    return FanoutSummary(
        fanout_id=plan.fanout_id,
        fanout_dir=fanout_dir,
        rows=rows,
        gpu_hours=sum(r.gpu_hours for r in rows),
        remote_identity=state.remote_identity,
        exit_code=code,
    )


def _bpb(value: float | None, sign: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.5f}" if sign else f"{value:.5f}"


def render_summary(summary: FanoutSummary, *, markdown: bool = False) -> str:
    header = ["PR", "seeds", "claimed", "reproduced", "Δ bpb", "verdict", "tasks", "GPU-h", "report"]
    rows = []
    for row in summary.rows:
        back = sum(1 for s in row.seeds if s.run_dir)
        rows.append(
            [
                f"#{row.pr}" if row.pr else row.name,
                f"{back}/{len(row.seeds)}",
                _bpb(row.claimed_mean),
                _bpb(row.reproduced_mean),
                _bpb(row.delta_bpb, sign=True),
                row.verdict or "-",
                ", ".join(f"{n} {p}" for p, n in sorted(row.phases.items())),
                f"{row.gpu_hours:.1f}",
                row.report or "-",
            ]
        )
    title = f"fan-out {summary.fanout_id} ({summary.fanout_dir}): {summary.gpu_hours:.1f} GPU-hours held"
    reasons = [f"{r.name}: {r.reason or r.report_error}" for r in summary.rows if r.reason or r.report_error]
    if markdown:
        lines = [f"**{title}**", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines += ["", *(f"- {reason}" for reason in reasons)]
    else:
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
        lines = [title, "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
        lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        lines += [f"  {reason}" for reason in reasons]
    return "\n".join(lines) + "\n"
