"""Run `pgolf check` over many folders of the snapshot, in parallel processes, and summarize.

Each worker exports one folder (snapshot.export_folder) into a temporary directory, checks it
under every policy with the same code path as `pgolf check`, and returns a small summary; the
export is deleted before the next folder. A folder pgolf refuses with a one-line error (not a
submission folder) is `refused`; an exception escaping pgolf is a `crash`; a check that crashed
inside the engine is an `error` result. The figures printed by `python -m pgolf.realrepo` and
asserted on by tests/realrepo come from here.
"""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pgolf.errors import PgolfError
from pgolf.findings import POLICIES, CheckResult, PolicyName, Status, SubmissionReport
from pgolf.realrepo.snapshot import MAIN, export_folder, pr_ref


@dataclass(frozen=True)
class Target:
    """One folder of one ref: `main` or a PR head."""

    ref: str
    folder: str
    pr: int | None = None

    @property
    def label(self) -> str:
        return f"#{self.pr} {self.folder}" if self.pr is not None else self.folder


def main_target(folder: str) -> Target:
    return Target(ref=MAIN, folder=folder)


def pr_target(number: int, folder: str) -> Target:
    return Target(ref=pr_ref(number), folder=folder, pr=number)


@dataclass(frozen=True)
class Finding:
    code: str
    rule: str
    status: Status
    message: str
    evidence: tuple[str, ...] = ()  # "file:line: excerpt" per evidence item, for reading FAILs at their lines


@dataclass
class Outcome:
    """What checking one folder under every policy gave."""

    target: Target
    findings: dict[PolicyName, list[Finding]] = field(default_factory=dict)  # non-pass, non-skip results
    seconds: dict[PolicyName, float] = field(default_factory=dict)  # one `check_folder` call each
    export_seconds: float = 0.0
    refused: str | None = None  # pgolf's one-line error (exit 2/3), e.g. "not a submission folder"
    crash: str | None = None  # an exception that escaped pgolf: always a bug

    def failed_rules(self, policy: PolicyName) -> list[str]:
        return sorted({f.rule for f in self.findings.get(policy, []) if f.status is Status.FAIL})

    def errors(self) -> list[Finding]:
        return [f for found in self.findings.values() for f in found if f.status is Status.ERROR]


def _derived(report: SubmissionReport, policy: PolicyName) -> list[Finding]:
    """The results under `policy` from a run under another one, as the engine picks them: the
    check's verdict for that policy where it gives verdicts (a preview check never fails)."""
    from checks import ALL_CHECKS

    out = []
    for r in report.results:
        status = next((v.status for v in r.verdicts if v.policy == policy), r.status)
        if status is Status.FAIL and ALL_CHECKS[r.code].lifecycle == "preview":
            status = Status.WARN
        if status not in (Status.PASS, Status.SKIP):
            out.append(Finding(code=r.code, rule=r.rule, status=status, message=r.message))
    return out


def check_target(
    repo: Path,
    target: Target,
    ruleset_id: str | None = None,
    once: bool = False,
    policies: tuple[PolicyName, ...] = POLICIES,
    select: tuple[str, ...] = (),
) -> Outcome:
    """Export one folder and check it under `policies` (the worker's job); `select` as `pgolf check --select`.

    `once`: run the checks under the first policy only and read the others' statuses from the
    per-policy verdicts every policy-dependent check reports (half the time, same statuses).
    """
    from pgolf.engine import check_folder
    from pgolf.ruleset import load_ruleset

    outcome = Outcome(target=target)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pgolf-realrepo-") as tmp:
        try:
            path = export_folder(repo, target.ref, target.folder, Path(tmp))
        except PgolfError as exc:
            outcome.refused = f"export: {exc}"
            return outcome
        outcome.export_seconds = time.perf_counter() - started
        ruleset = load_ruleset(ruleset_id)
        for policy in policies[:1] if once else policies:
            began = time.perf_counter()
            try:
                report = check_folder(path, ruleset, policy=policy, select=select)
            except PgolfError as exc:
                outcome.refused = str(exc).replace(str(tmp), "")
                return outcome
            except Exception as exc:  # any escape is a bug the tier must surface, with where it happened
                outcome.crash = "".join(traceback.format_exception(exc))[-3000:]
                return outcome
            outcome.seconds[policy] = time.perf_counter() - began
            outcome.findings[policy] = [
                Finding(code=r.code, rule=r.rule, status=r.status, message=r.message, evidence=_evidence(r))
                for r in report.results
                if r.status not in (Status.PASS, Status.SKIP)
            ]
            if once:
                for other in policies[1:]:
                    outcome.findings[other] = _derived(report, other)
    return outcome


def _evidence(result: CheckResult) -> tuple[str, ...]:
    return tuple(f"{e.location.render()}: {(e.location.excerpt or '').strip()[:160]}" for e in result.evidence)


def _work(args: tuple[Path, Target, str | None, bool, tuple[PolicyName, ...], tuple[str, ...]]) -> Outcome:
    return check_target(*args)


def check_targets(
    repo: Path,
    targets: Iterable[Target],
    *,
    jobs: int = 0,
    ruleset_id: str | None = None,
    once: bool = False,
    policies: tuple[PolicyName, ...] = POLICIES,
    select: tuple[str, ...] = (),
    progress: Callable[[Outcome], None] | None = None,
) -> list[Outcome]:
    """Check every target, `jobs` processes at a time (0: one per CPU); results in input order.
    `once`: one run per folder, the other policy's statuses from its verdicts (see check_target)."""
    work = [(repo, t, ruleset_id, once, policies, select) for t in targets]
    jobs = jobs or multiprocessing.cpu_count()
    results: list[Outcome] = []
    if jobs <= 1 or len(work) <= 1:
        it: Iterator[Outcome] = map(_work, work)
        for outcome in it:
            results.append(outcome)
            if progress:
                progress(outcome)
        return results
    # forkserver: workers start from a clean interpreter, not a copy of a (possibly threaded) parent
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        for outcome in pool.map(_work, work, chunksize=4):
            results.append(outcome)
            if progress:
                progress(outcome)
    return results


@dataclass
class Summary:
    """The figures of one scan, as printed by `make realrepo`."""

    title: str
    folders: int
    checked: int
    refused: list[Outcome]
    crashes: list[Outcome]
    errors: list[Outcome]
    fails_by_rule: dict[PolicyName, Counter[str]]
    folders_failing: dict[PolicyName, int]
    median_s: float
    max_s: float
    slowest: Target | None

    def lines(self) -> list[str]:
        out = [f"== {self.title}: {self.folders} folders, {self.checked} checked, {len(self.refused)} refused"]
        out.append(f"   crashes {len(self.crashes)}, folders with an `error` result {len(self.errors)}")
        for policy in POLICIES:
            rules = ", ".join(f"{rule} {n}" for rule, n in self.fails_by_rule[policy].most_common()) or "none"
            out.append(f"   {policy}: {self.folders_failing[policy]} folders with a FAIL; by rule: {rules}")
        slowest = f" ({self.slowest.label})" if self.slowest else ""
        out.append(f"   time per folder and policy: median {self.median_s:.3f} s, max {self.max_s:.3f} s{slowest}")
        for o in self.crashes:
            out.append(f"   CRASH {o.target.label}: {(o.crash or '').strip().splitlines()[-1]}")
        for o in self.errors:
            for f in o.errors():
                out.append(f"   ERROR {o.target.label}: {f.code} {f.message[:160]}")
        return out


def summarize(title: str, outcomes: list[Outcome]) -> Summary:
    checked = [o for o in outcomes if o.refused is None and o.crash is None]
    fails: dict[PolicyName, Counter[str]] = {p: Counter() for p in POLICIES}
    failing: dict[PolicyName, int] = dict.fromkeys(POLICIES, 0)
    for o in checked:
        for policy in POLICIES:
            rules = o.failed_rules(policy)
            fails[policy].update(rules)
            failing[policy] += bool(rules)
    times = [(s, o.target) for o in checked for s in o.seconds.values()]
    slowest = max(times, key=lambda t: t[0]) if times else None
    return Summary(
        title=title,
        folders=len(outcomes),
        checked=len(checked),
        refused=[o for o in outcomes if o.refused is not None],
        crashes=[o for o in outcomes if o.crash is not None],
        errors=[o for o in checked if o.errors()],
        fails_by_rule=fails,
        folders_failing=failing,
        median_s=statistics.median(t for t, _ in times) if times else 0.0,
        max_s=slowest[0] if slowest else 0.0,
        slowest=slowest[1] if slowest else None,
    )
