"""Numbers and rows as both renderers (HTML and Markdown) write them, so the two never disagree."""

from __future__ import annotations

import math
from collections.abc import Sequence

from pgolf.findings import CheckResult, Evidence, Status
from pgolf.report.model import EnvRow, Machine, RunReport, SeedReport, TimeComparison
from pgolf.runner.model import StopReason, TrainingProgress

DASH = "—"
PHASE_LABELS = {  # the runner's phases, in timeline order
    "setup": "setup",
    "boot": "boot (imports, compile)",
    "warmup": "warmup",
    "training": "training",
    "gptq": "GPTQ",
    "serialization": "serialize",
    "ttt_compile": "TTT compile",
    "eval": "eval (TTT included)",
    "teardown": "teardown",
}
STOP_TEXT = {
    StopReason.ITERATIONS: "all steps run",
    StopReason.WALLCLOCK_CAP: "wallclock cap",
    StopReason.NOT_REPORTED: "none reported",
}
STATUS_ORDER = {Status.ERROR: 0, Status.FAIL: 1, Status.WARN: 2, Status.PASS: 3, Status.SKIP: 4}


def num(value: float | None, digits: int = 5, sign: bool = False) -> str:
    if value is None or math.isnan(value):
        return DASH
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def integer(value: int | None) -> str:
    return DASH if value is None else f"{value:,}"


def seconds(value: float | None) -> str:
    return DASH if value is None else f"{value:,.1f}"


def steps(progress: TrainingProgress | None) -> str:
    if progress is None:
        return DASH
    return f"{integer(progress.steps_reached)} / {integer(progress.steps_planned)}"


def stop(progress: TrainingProgress | None) -> str:
    return DASH if progress is None else STOP_TEXT[progress.stop_reason]


def counted(seed: SeedReport) -> str:
    return "yes" if seed.admission.counted else "no"


def time_cells(t: TimeComparison) -> list[str]:
    measured = seconds(t.measured_s) + (" (over)" if t.over_budget else "")
    return [measured, seconds(t.logged_s), seconds(t.budget_s)]


def bytes_cells(seed: SeedReport) -> list[str]:
    b = seed.bytes
    if b is None:
        return [DASH] * 5

    def over(value: int | None, flag: bool | None) -> str:
        return integer(value) + (
            " (over cap)" if flag or (flag is None and value is not None and value > b.cap) else ""
        )

    return [over(b.practiced, b.exceeds_cap_practiced), over(b.written, b.exceeds_cap_written),
            integer(b.logged), integer(b.claimed), integer(b.cap)]  # fmt: skip


SCORE_HEAD = [
    "seed", "counted", "status", "claimed val_bpb", "reproduced val_bpb", "Δ bpb", "Δ in claimed std",
    "steps reached / planned", "stop (this run)", "stop (submission's log)",
]  # fmt: skip
SCORE_NUMERIC = (3, 4, 5, 6, 7)
LIMITS_HEAD = [
    "seed", "train s measured", "train s logged", "train budget s", "eval s measured", "eval s logged",
    "eval budget s", "bytes as practiced", "bytes as written", "bytes logged", "bytes claimed", "cap",
]  # fmt: skip


def score_row(s: SeedReport) -> list[str]:
    v = s.val_bpb
    return [
        str(s.seed), counted(s), s.status, num(v.claimed), num(v.reproduced), num(v.diff, sign=True),
        num(v.diff_in_claimed_std, 2, sign=True), steps(s.progress), stop(s.progress), stop(s.claimed_progress),
    ]  # fmt: skip


def limits_row(s: SeedReport) -> list[str]:
    return [str(s.seed), *time_cells(s.train), *time_cells(s.eval), *bytes_cells(s)]


def phase_table(seeds: Sequence[SeedReport]) -> tuple[list[str], list[list[str]]]:
    """Seconds per phase on pgolf's clock, with the script's own figure where it prints one."""
    names = [n for n in PHASE_LABELS if any(n in s.phases for s in seeds)]
    names += sorted({n for s in seeds for n in s.phases} - set(names))
    rows = []
    for s in seeds:
        cells = []
        for name in names:
            span = s.phases.get(name)
            if span is None:
                cells.append(DASH)
                continue
            script = f" (script {span.script_s:,.1f})" if span.script_s is not None else ""
            cells.append(f"{span.duration_s:,.1f}{script}")
        rows.append([str(s.seed), *cells, seconds(s.wall_s)])
    return ["seed", *(PHASE_LABELS.get(n, n) for n in names), "wall"], rows


def machine_label(index: int, machine: Machine) -> str:
    seeds = ", ".join(str(s) for s in machine.seeds)
    host = f" {machine.fingerprint.host}" if machine.fingerprint.host else ""
    return f"machine {index + 1}:{host} (seed{'s' if len(machine.seeds) > 1 else ''} {seeds})"


def env_cells(row: EnvRow) -> list[str]:
    declared = DASH if row.declared is None else row.declared
    return [row.item, declared, row.declared_source or DASH, *[v or DASH for v in row.reproduced], row.status]


def sorted_results(report: RunReport) -> list[CheckResult]:
    checks = report.checks.report
    if checks is None:
        return []
    return sorted(checks.results, key=lambda r: (STATUS_ORDER.get(r.status, 9), r.code))


def evidence_text(evidence: Evidence) -> str:
    where = evidence.location.render()
    values = []
    if evidence.measured is not None:
        values.append(f"measured {evidence.measured}")
    if evidence.limit is not None:
        values.append(f"limit {evidence.limit}")
    tail = f" ({', '.join(values)})" if values else ""
    return f"{where}: {evidence.note}{tail}"


def policy_text(result: CheckResult) -> str:
    return " · ".join(f"{v.policy}: {v.status.value}" for v in result.verdicts)


def official_text(report: RunReport) -> str:
    if report.official:
        return "the run conditions of an official reproduction (no deviation found)"
    count = len(report.deviations)
    return f"{count} deviation{'s' if count != 1 else ''} from an official run:"


def untested(report: RunReport) -> str:
    return f"not applied (see the reason above); the rule: {report.verdict.rule}"


def policy_line(report: RunReport) -> str:
    return (
        f"ruleset {report.ruleset}, track {report.track}; pgolf check findings under the "
        f"{report.checks.policy} policy (each finding lists both policies where they differ)"
    )


def seed_list(seeds: Sequence[int]) -> str:
    return ", ".join(str(s) for s in seeds) or DASH


def summary_rows(report: RunReport) -> list[tuple[str, str]]:
    """The means, their difference and the t-tests, as (label, value) pairs."""
    o = report.overall
    diff, units = num(o.val_bpb.diff, sign=True), num(o.val_bpb.diff_in_claimed_std, 2, sign=True)
    claimed = f"{num(o.claimed_mean)} (std {num(o.claimed_std)}, seeds {seed_list(o.claimed_seeds)})"
    if o.claimed_mean is None:
        claimed = "nothing claimed"
    reproduced = (
        f"{num(o.reproduced_mean)} (std {num(o.reproduced_std)}, counted seeds {seed_list(o.reproduced_seeds)})"
    )
    if o.reproduced_mean is None:
        reproduced = "no seed counts: none finished its planned run"
    difference = f"{diff} bpb = {units} claimed std" if o.val_bpb.diff is not None else DASH
    rows = [("claimed mean", claimed), ("reproduced mean", reproduced), ("difference", difference)]
    for test in (o.welch, o.paired):
        if test is not None:
            figures = f"t = {test.t:.3f}, df = {test.df:.1f}, one-sided p = {test.p:.4g}"
            rows.append((f"{test.kind} t-test", f"{figures} (H1: the reproduction is worse)"))
    rows.append(("significance", o.significance_note))
    return rows
