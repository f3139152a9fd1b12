"""Build the RunReport of a run folder: read the records back, compare with the claims, decide.

`build_report(run_dir)` is the one entry point the CLI, the merge and the bundle use; rendering
lives in html.py and markdown.py, the decision in verdict.py.
"""

from __future__ import annotations

import datetime as dt
import shutil
import statistics
import tempfile
from pathlib import Path

from pgolf import __version__
from pgolf.engine import check_folder
from pgolf.errors import PgolfError
from pgolf.findings import PolicyName
from pgolf.folder import FileRole, classify
from pgolf.report import environment as env
from pgolf.report.claimed import ClaimedRun, SubmissionFacts, curve_of, read_submission
from pgolf.report.model import (
    BytesComparison,
    ChecksSection,
    Environment,
    OverallComparison,
    RunReport,
    ScoreComparison,
    SeedAdmission,
    SeedReport,
    SeedTrace,
    TimeComparison,
)
from pgolf.report.snapshot import snapshot_source
from pgolf.report.verdict import decide
from pgolf.ruleset import load_ruleset
from pgolf.runner.model import RunBudget, RunRecord, SeedRecord, TrainingProgress
from pgolf.runner.progress import training_progress
from pgolf.runner.store import load_run
from pgolf.stats import TTest, paired_one_sided, welch_one_sided

CHECK_POLICY: PolicyName = "readme"  # `pgolf check`'s default; both policies' verdicts are in each result


def _score(claimed: float | None, reproduced: float | None, std: float | None) -> ScoreComparison:
    if claimed is None or reproduced is None:
        return ScoreComparison(claimed=claimed, reproduced=reproduced)
    diff = reproduced - claimed
    return ScoreComparison(
        claimed=claimed, reproduced=reproduced, diff=diff, diff_in_claimed_std=diff / std if std else None
    )


def _time(measured: float | None, logged: float | None, budget: float | None) -> TimeComparison:
    delta = measured - logged if measured is not None and logged is not None else None
    shown = measured if measured is not None else logged
    over = budget is not None and shown is not None and shown > budget
    return TimeComparison(measured_s=measured, logged_s=logged, budget_s=budget, delta_s=delta, over_budget=over)


def _progress(record: SeedRecord) -> TrainingProgress | None:
    """The record's own, else derived from its parsed log (records written before the field existed)."""
    if record.progress is not None:
        return record.progress
    return training_progress(record.parsed_log) if record.parsed_log is not None else None


def _trace(record: SeedRecord) -> SeedTrace:
    t = record.trace
    return SeedTrace(
        hook_active=t.hook_active,
        processes=t.processes,
        first_opens=list(t.first_opens),
        opens_by_phase=dict(t.opens_by_phase),
        train_shards_after_stop=list(t.train_shards_after_stop),
        val_opened_in_training=list(t.val_opened_in_training),
        sockets=list(t.sockets),
        loopback_connects=t.loopback_connects,
    )


def seed_report(
    record: SeedRecord,
    claimed_std: float | None,
    admission: SeedAdmission,
    claimed: ClaimedRun | None,
    machine: int | None,
    budget: RunBudget | None,
) -> SeedReport:
    claim, t, a = record.claim, record.timing, record.artifacts
    eval_logged = t.script_total_eval_s if t.script_total_eval_s is not None else t.script_eval_s
    return SeedReport(
        seed=record.seed,
        status=record.status.value,
        admission=admission,
        score_label=record.score_label,
        val_bpb=_score(claim.val_bpb if claim else None, record.score_bpb, claimed_std),
        progress=_progress(record),
        claimed_progress=claimed.progress if claimed else None,
        claimed_log=claimed.log_path if claimed else None,
        train=_time(t.external_train_s, t.script_train_s, budget.train_s if budget else None),
        eval=_time(t.external_eval_s, eval_logged, budget.eval_s if budget else None),
        wall_s=record.wall_s,
        deadline_s=record.deadline_s,
        phases=dict(t.phases),
        bytes=BytesComparison(
            measured=a.practiced_bytes if a.practiced_bytes is not None else a.total_bytes,
            practiced=a.practiced_bytes,
            written=a.written_bytes if a.written_bytes is not None else a.total_bytes,
            logged=a.reported_total_bytes,
            claimed=claim.artifact_bytes if claim else None,
            cap=a.cap_bytes,
            exceeds_cap=a.exceeds_cap,
            exceeds_cap_practiced=a.exceeds_cap_practiced,
            exceeds_cap_written=a.exceeds_cap_written,
        ),
        machine=machine,
        isolation=record.isolation,
        violations=list(record.violations),
        evidence=list(record.evidence),
        curve=curve_of(record.parsed_log) if record.parsed_log is not None else [],
        claimed_curve=claimed.curve if claimed else [],
        trace=_trace(record),
        files=dict(record.files),
    )


def _missing_seed(
    seed: int, claimed_bpb: float | None, admission: SeedAdmission, claimed: ClaimedRun | None
) -> SeedReport:
    return SeedReport(
        seed=seed,
        status="missing",
        admission=admission,
        val_bpb=ScoreComparison(claimed=claimed_bpb, reproduced=None),
        claimed_progress=claimed.progress if claimed else None,
        claimed_log=claimed.log_path if claimed else None,
        train=TimeComparison(measured_s=None, logged_s=None, budget_s=None),
        eval=TimeComparison(measured_s=None, logged_s=None, budget_s=None),
        claimed_curve=claimed.curve if claimed else [],
    )


def _std(values: list[float]) -> float | None:
    return statistics.stdev(values) if len(values) >= 2 else None


def _tests(claimed: dict[int, float], reproduced: dict[int, float]) -> tuple[TTest | None, TTest | None, str]:
    notes = []
    welch = paired = None
    if len(claimed) >= 2 and len(reproduced) >= 2:
        # candidate = the claim, baseline = the reproduction: H1 is "the reproduction scores worse".
        welch = welch_one_sided(list(claimed.values()), list(reproduced.values()))
        notes.append(f"one-sided Welch p={welch.p:.4g} that the reproduction is worse than claimed")
    else:
        notes.append("Welch's test needs two seeds on each side")
    if len(set(claimed) & set(reproduced)) >= 2:
        paired = paired_one_sided(claimed, reproduced)
    else:
        notes.append("a paired test needs two seeds that both sides ran")
    return welch, paired, "; ".join(notes)


def overall(seeds: list[SeedReport], claimed: dict[int, float]) -> OverallComparison:
    """Means over the claimed seeds and over the counted reproduced seeds only."""
    reproduced = {
        s.seed: s.val_bpb.reproduced for s in seeds if s.admission.counted and s.val_bpb.reproduced is not None
    }
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


def check_reproduction_logs(run: RunRecord, run_dir: Path, submission: Path | None) -> ChecksSection:
    """`pgolf check` on the submission's own files with the reproduction's logs in place of its logs."""
    with tempfile.TemporaryDirectory(prefix="pgolf-report-") as tmp:
        folder = Path(tmp) / "records" / run.plan.track / run.plan.name
        folder.mkdir(parents=True)
        # The same checks, the code audit included, judge what was run.
        for entry in sorted(submission.iterdir()) if submission is not None and submission.is_dir() else []:
            if entry.is_file() and not entry.is_symlink() and classify(entry.name) is not FileRole.LOG:
                shutil.copyfile(entry, folder / entry.name)
        for record in run.seeds:
            log = env.raw_log(run_dir, record)
            if log is not None:
                shutil.copyfile(log, folder / f"train_seed{record.seed}.log")
        try:
            # Claims vs logs (PG103) is this report's own claimed-vs-reproduced table: a re-run's logs
            # never reprint the submission's numbers, so the check would only restate that table.
            report = check_folder(
                folder, load_ruleset(run.plan.ruleset), policy=CHECK_POLICY, ignore=["claim-not-in-logs"]
            )
        except PgolfError as exc:
            return ChecksSection(policy=CHECK_POLICY, error=str(exc))
    label = f"{run_dir.name}: the reproduction's logs with the submission's other files"
    return ChecksSection(policy=CHECK_POLICY, report=report.model_copy(update={"path": label}))


def _claimed_bpb(run: RunRecord) -> dict[int, float]:
    return {s: c.val_bpb for s, c in sorted(run.plan.manifest.claims.items()) if c.val_bpb is not None}


def report_for(run: RunRecord, run_dir: Path, merged_from: list[str] | None = None) -> RunReport:
    """The report of a run already read back (a run folder, or runs merged in memory)."""
    ruleset = load_ruleset(run.plan.ruleset)
    track = ruleset.tracks.get(run.plan.track)
    source = snapshot_source(run, run_dir)
    submission = run_dir / source.snapshot if source.snapshot else None
    facts: SubmissionFacts = read_submission(submission, run.plan.manifest, ruleset)
    records = {r.seed: r for r in run.seeds}
    planned = [spec.seed for spec in run.plan.specs]
    claimed = _claimed_bpb(run)
    verdict = decide(
        planned,
        records,
        claimed,
        {seed: c.progress for seed, c in facts.runs.items()},
        ruleset.reproduction,
        progress={seed: _progress(r) for seed, r in records.items()},
        profile=run.plan.profile,
    )
    admissions = {a.seed: a for a in verdict.seeds}
    shim = env.shim_seeds(run_dir, run.seeds)
    found = env.machines(run.seeds, shim)
    machine_of = {seed: i for i, m in enumerate(found) for seed in m.seeds}
    std = _std(list(claimed.values()))
    budgets = {spec.seed: spec.budget for spec in run.plan.specs}
    seeds = [
        seed_report(records[s], std, admissions[s], facts.runs.get(s), machine_of.get(s), budgets.get(s))
        if s in records
        else _missing_seed(s, claimed.get(s), admissions[s], facts.runs.get(s))
        for s in sorted(planned)
    ]
    deviations = env.deviations(run.plan, track, run.seeds, facts.declared, shim)
    return RunReport(
        pgolf_version=__version__,
        generated=dt.datetime.now(dt.UTC),
        name=run.plan.name,
        title=run.plan.manifest.title,
        run_id=run.plan.run_id,
        pr=run.plan.manifest.pr,
        backend=", ".join(sorted({r.backend for r in run.seeds})) or run.plan.backend,
        track=run.plan.track,
        ruleset=run.plan.ruleset,
        merged_from=merged_from or [],
        verdict=verdict,
        official=not deviations,
        deviations=deviations,
        seeds=seeds,
        overall=overall(seeds, claimed),
        environment=Environment(machines=found, declared=facts.declared, rows=env.rows(facts.declared, found)),
        source=source,
        checks=check_reproduction_logs(run, run_dir, submission),
        notes=facts.notes,
    )


def build_report(run_dir: Path) -> RunReport:
    return report_for(load_run(run_dir), run_dir)
