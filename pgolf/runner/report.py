"""The reproduction report: reproduced vs claimed, measured vs reported, checks re-run, significance.

`write_report(run_dir)` reads a run folder back (pgolf.runner.store.load_run) and writes
report.json (a `RunReport`, schema `run-report`), report.md and report.html beside plan.json.

Conventions:
- "claimed" is the manifest's per-seed claim (copied from the submission's submission.json);
  "reported" is what the reproduction's own script printed in this run; "measured" is pgolf's
  external clock and byte count.
- A difference is reproduced - claimed (positive = the reproduction scored worse), also expressed
  in units of the claimed seed spread (sample std of the claimed per-seed val_bpb).
- Significance asks whether the reproduction is worse than the claim: one-sided Welch over the
  seeds of each side, and a paired test over the seeds both have. Small p = the claim did not hold.
- The check findings are `pgolf check` run on a folder holding the reproduction's own logs and the
  submission's submission.json, so log/claim consistency is judged on what this run produced.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
import statistics
import tempfile
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from pgolf import __version__
from pgolf.engine import check_folder
from pgolf.errors import PgolfError
from pgolf.findings import SubmissionReport
from pgolf.folder import FileRole, classify
from pgolf.ruleset import load_ruleset
from pgolf.runner.model import RunRecord, SeedRecord
from pgolf.runner.store import load_run, write_atomic
from pgolf.stats import TTest, paired_one_sided, welch_one_sided

REPORT_SCHEMA_VERSION = 1
SHIM_BANNER = "pgolf SDPA shim in use"  # printed by docker/shim/flash_attn_interface.py at import


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ScoreComparison(_Frozen):
    claimed: float | None
    reproduced: float | None
    diff: float | None = None  # reproduced - claimed
    diff_in_claimed_std: float | None = None


class TimeComparison(_Frozen):
    measured_s: float | None  # pgolf's clock
    reported_s: float | None  # the script's own line in this run
    delta_s: float | None = None  # measured - reported


class BytesComparison(_Frozen):
    measured: int  # code + produced model files, counted by pgolf
    reported: int | None  # the run's own `Total submission size` line
    claimed: int | None  # the submission's per-seed claim
    cap: int
    exceeds_cap: bool


class SeedReport(_Frozen):
    seed: int
    status: str
    score_label: str | None
    val_bpb: ScoreComparison
    train: TimeComparison
    eval: TimeComparison
    wall_s: float
    bytes: BytesComparison
    violations: list[str] = Field(default_factory=list)
    evidence: list[str] = Field(default_factory=list)
    curve: list[tuple[float, float]] = Field(
        default_factory=list, description="(seconds on the script's training clock, train loss) points"
    )


class OverallComparison(_Frozen):
    claimed_seeds: list[int]
    reproduced_seeds: list[int]
    claimed_mean: float | None
    claimed_std: float | None
    reproduced_mean: float | None
    reproduced_std: float | None
    val_bpb: ScoreComparison  # on the means
    welch: TTest | None = None  # H1: mean(reproduced) > mean(claimed)
    paired: TTest | None = None  # the same over the seeds both sides have
    significance_note: str


class RunReport(_Frozen):
    schema_version: int = REPORT_SCHEMA_VERSION
    pgolf_version: str
    generated: dt.datetime
    name: str
    run_id: str
    pr: int | None
    backend: str
    track: str
    ruleset: str
    image: str
    image_digest: str
    official: bool
    unofficial_reasons: list[str] = Field(default_factory=list)
    complete: bool
    passed: bool
    seeds: list[SeedReport]
    overall: OverallComparison
    checks: SubmissionReport | None = None
    checks_error: str | None = None


def _score(claimed: float | None, reproduced: float | None, std: float | None) -> ScoreComparison:
    if claimed is None or reproduced is None:
        return ScoreComparison(claimed=claimed, reproduced=reproduced)
    diff = reproduced - claimed
    units = diff / std if std else None
    return ScoreComparison(claimed=claimed, reproduced=reproduced, diff=diff, diff_in_claimed_std=units)


def _time(measured: float | None, reported: float | None) -> TimeComparison:
    delta = measured - reported if measured is not None and reported is not None else None
    return TimeComparison(measured_s=measured, reported_s=reported, delta_s=delta)


def _curve(record: SeedRecord) -> list[tuple[float, float]]:
    log = record.parsed_log
    if log is None:
        return []
    return [(p.train_time_ms / 1000.0, p.loss) for p in log.train_curve if p.train_time_ms is not None]


def seed_report(record: SeedRecord, claimed_std: float | None) -> SeedReport:
    claim = record.claim
    t, a = record.timing, record.artifacts
    return SeedReport(
        seed=record.seed,
        status=record.status.value,
        score_label=record.score_label,
        val_bpb=_score(claim.val_bpb if claim else None, record.score_bpb, claimed_std),
        train=_time(t.external_train_s, t.script_train_s),
        eval=_time(t.external_eval_s, t.script_total_eval_s if t.script_total_eval_s is not None else t.script_eval_s),
        wall_s=record.wall_s,
        bytes=BytesComparison(
            measured=a.total_bytes,
            reported=a.reported_total_bytes,
            claimed=claim.artifact_bytes if claim else None,
            cap=a.cap_bytes,
            exceeds_cap=a.exceeds_cap,
        ),
        violations=list(record.violations),
        evidence=list(record.evidence),
        curve=_curve(record),
    )


def _std(values: list[float]) -> float | None:
    return statistics.stdev(values) if len(values) >= 2 else None


def _tests(claimed: dict[int, float], reproduced: dict[int, float]) -> tuple[TTest | None, TTest | None, str]:
    notes = []
    welch = paired = None
    if len(claimed) >= 2 and len(reproduced) >= 2:
        # candidate = the claim, baseline = the reproduction: H1 is "the reproduction scores worse".
        welch = welch_one_sided(list(claimed.values()), list(reproduced.values()))
    else:
        notes.append("Welch's test needs two seeds on each side")
    if len(set(claimed) & set(reproduced)) >= 2:
        paired = paired_one_sided(claimed, reproduced)
    else:
        notes.append("a paired test needs two seeds that both sides ran")
    if welch is not None:
        notes.insert(0, f"one-sided Welch p={welch.p:.4g} that the reproduction is worse than claimed")
    return welch, paired, "; ".join(notes)


def overall(seeds: list[SeedReport]) -> OverallComparison:
    claimed = {s.seed: s.val_bpb.claimed for s in seeds if s.val_bpb.claimed is not None}
    reproduced = {s.seed: s.val_bpb.reproduced for s in seeds if s.val_bpb.reproduced is not None}
    c_mean = statistics.fmean(claimed.values()) if claimed else None
    r_mean = statistics.fmean(reproduced.values()) if reproduced else None
    c_std = _std(list(claimed.values()))
    welch, paired, note = _tests(claimed, reproduced)
    return OverallComparison(
        claimed_seeds=sorted(claimed),
        reproduced_seeds=sorted(reproduced),
        claimed_mean=c_mean,
        claimed_std=c_std,
        reproduced_mean=r_mean,
        reproduced_std=_std(list(reproduced.values())),
        val_bpb=_score(c_mean, r_mean, c_std),
        welch=welch,
        paired=paired,
        significance_note=note,
    )


def _claimed_std(run: RunRecord) -> float | None:
    values = [c.val_bpb for c in run.plan.manifest.claims.values() if c.val_bpb is not None]
    return _std(values)


def _raw_log(run_dir: Path, record: SeedRecord) -> Path | None:
    rel = record.files.get("raw_log")
    path = run_dir / rel if rel else None
    return path if path is not None and path.is_file() else None


def unofficial_reasons(run: RunRecord, run_dir: Path) -> list[str]:
    """Why these numbers are not comparable with a record run on 8xH100 with the real FA3."""
    track = load_ruleset(run.plan.ruleset).tracks.get(run.plan.track)
    reasons = []
    for record in run.seeds:
        log = _raw_log(run_dir, record)
        if log is not None and SHIM_BANNER in log.read_text("utf-8", errors="replace"):
            reasons.append(f"seed {record.seed}: ran the SDPA flash_attn_interface shim, not FlashAttention-3")
        fp = record.fingerprint
        if track is None or not track.record:
            continue  # only the record track prescribes hardware
        if fp.gpu_count != track.world_size:
            reasons.append(f"seed {record.seed}: {fp.gpu_count} GPU(s), the track runs on {track.world_size}")
        if track.gpu_model not in (fp.gpu_model or ""):
            reasons.append(f"seed {record.seed}: GPU {fp.gpu_model or 'none'}, the track runs on {track.gpu_model}")
    return list(dict.fromkeys(reasons))


def check_reproduction_logs(run: RunRecord, run_dir: Path) -> tuple[SubmissionReport | None, str | None]:
    """`pgolf check` on the reproduction's logs beside the submission's other files."""
    with tempfile.TemporaryDirectory(prefix="pgolf-report-") as tmp:
        folder = Path(tmp) / "records" / run.plan.track / run.plan.name
        folder.mkdir(parents=True)
        source = run.plan.specs[0].source_dir if run.plan.specs else None
        # The submission's own files (README, submission.json, code) with the reproduction's logs in
        # place of its logs, so the same checks, the code audit included, judge what was run.
        for entry in sorted(source.iterdir()) if source is not None else []:
            if entry.is_file() and not entry.is_symlink() and classify(entry.name) is not FileRole.LOG:
                shutil.copyfile(entry, folder / entry.name)
        for record in run.seeds:
            log = _raw_log(run_dir, record)
            if log is not None:
                shutil.copyfile(log, folder / f"train_seed{record.seed}.log")
        try:
            # Claims vs logs (PG103) is this report's own claimed-vs-reproduced table: a re-run's logs
            # never reprint the submission's numbers, so the check would only restate that table.
            report = check_folder(folder, load_ruleset(run.plan.ruleset), ignore=["claim-not-in-logs"])
        except PgolfError as exc:
            return None, str(exc)
    label = f"{run_dir} (reproduction logs + submission.json)"
    return report.model_copy(update={"path": label}), None


def build_report(run_dir: Path) -> RunReport:
    run = load_run(run_dir)
    std = _claimed_std(run)
    seeds = [seed_report(r, std) for r in sorted(run.seeds, key=lambda r: r.seed)]
    reasons = unofficial_reasons(run, run_dir)
    checks, checks_error = check_reproduction_logs(run, run_dir)
    fp = next((r.fingerprint for r in run.seeds), run.index.fingerprint)
    return RunReport(
        pgolf_version=__version__,
        generated=dt.datetime.now(dt.UTC),
        name=run.plan.name,
        run_id=run.plan.run_id,
        pr=run.plan.manifest.pr,
        backend=run.plan.backend,
        track=run.plan.track,
        ruleset=run.plan.ruleset,
        image=fp.image if fp else "unknown",
        image_digest=fp.image_digest if fp else "unknown",
        official=not reasons,
        unofficial_reasons=reasons,
        complete=run.index.complete,
        passed=run.passed,
        seeds=seeds,
        overall=overall(seeds),
        checks=checks,
        checks_error=checks_error,
    )


def write_report(run_dir: Path) -> dict[str, Path]:
    """Write report.json, report.md and report.html into the run folder; returns their paths."""
    from pgolf.runner.report_html import render_html

    report = build_report(run_dir)
    paths = {"json": run_dir / "report.json", "md": run_dir / "report.md", "html": run_dir / "report.html"}
    write_atomic(paths["json"], report.model_dump_json(indent=2) + "\n")
    write_atomic(paths["md"], render_markdown(report))
    write_atomic(paths["html"], render_html(report))
    return paths


# --- Markdown ---------------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 5, sign: bool = False) -> str:
    if value is None or math.isnan(value):
        return "—"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def _seed_rows(report: RunReport) -> list[str]:
    rows = [
        "| seed | status | claimed | reproduced | diff | diff / claimed std | train s (measured / script) "
        "| eval s (measured / script) | bytes (measured / log / claimed) |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report.seeds:
        b = s.bytes
        rows.append(
            f"| {s.seed} | {s.status} | {fmt(s.val_bpb.claimed)} | {fmt(s.val_bpb.reproduced)} "
            f"| {fmt(s.val_bpb.diff, sign=True)} | {fmt(s.val_bpb.diff_in_claimed_std, 2, sign=True)} "
            f"| {fmt(s.train.measured_s, 1)} / {fmt(s.train.reported_s, 1)} "
            f"| {fmt(s.eval.measured_s, 1)} / {fmt(s.eval.reported_s, 1)} "
            f"| {b.measured:,} / {_int(b.reported)} / {_int(b.claimed)}{' **over cap**' if b.exceeds_cap else ''} |"
        )
    return rows


def _int(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _overall_lines(o: OverallComparison) -> list[str]:
    lines = [
        f"- claimed mean {fmt(o.claimed_mean)} (std {fmt(o.claimed_std)}, seeds {o.claimed_seeds})",
        f"- reproduced mean {fmt(o.reproduced_mean)} (std {fmt(o.reproduced_std)}, seeds {o.reproduced_seeds})",
        f"- difference {fmt(o.val_bpb.diff, sign=True)} bpb = {fmt(o.val_bpb.diff_in_claimed_std, 2, sign=True)} "
        "claimed std",
    ]
    for test in (o.welch, o.paired):
        if test is not None:
            lines.append(f"- {test.kind}: t={test.t:.3f}, df={test.df:.1f}, p={test.p:.4g} (reproduction worse)")
    lines.append(f"- {o.significance_note}")
    return lines


def _check_lines(report: RunReport) -> list[str]:
    if report.checks is None:
        return [f"`pgolf check` could not run on the reproduction's logs: {report.checks_error}"]
    shown = [r for r in report.checks.results if r.status.value in ("fail", "warn", "error")]
    lines = [f"Overall: **{report.checks.status.value}** ({len(report.checks.results)} checks)", ""]
    lines += [f"- {r.status.value.upper()} {r.code} {r.slug}: {r.message}" for r in shown] or ["- no findings"]
    return lines


def render_markdown(report: RunReport) -> str:
    head = f"# Reproduction of {report.name}" + (f" (PR #{report.pr})" if report.pr else "")
    label = "official" if report.official else "**non-official**: " + "; ".join(report.unofficial_reasons)
    lines = [
        head,
        "",
        f"run `{report.run_id}` · backend {report.backend} · image `{report.image}` (`{report.image_digest}`)",
        f"track {report.track} · ruleset {report.ruleset} · {label}",
        f"complete: {report.complete} · passed: {report.passed} · pgolf {report.pgolf_version}",
        "",
        "## Per seed",
        "",
        *_seed_rows(report),
        "",
        "## Overall",
        "",
        *_overall_lines(report.overall),
        "",
        "## pgolf check on the reproduction's logs",
        "",
        *_check_lines(report),
        "",
    ]
    notes = [f"- seed {s.seed}: {e}" for s in report.seeds for e in [*s.violations, *s.evidence]]
    if notes:
        lines += ["## Seed notes", "", *notes, ""]
    return "\n".join(lines)
