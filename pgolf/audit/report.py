"""Findings of the code audit and their translation into a check's outcome.

A detector returns `CodeFinding`s: a status (FAIL only on high-certainty patterns, WARN for
heuristics), the line, and one sentence of why. A finding on a path the submitted run does not take (a
flag that is off in its configuration, or a function nothing calls) is downgraded from FAIL to WARN and
says so: the organizers judged the run, not dead code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal, Protocol

from pgolf.audit.analysis import Analysis
from pgolf.audit.sources import SourceSet
from pgolf.findings import CheckOutcome, Evidence, Location, PolicyVerdict, Status

if TYPE_CHECKING:
    from pgolf.catalogue import CheckContext

Certainty = Literal["certain", "heuristic"]
MAX_EVIDENCE = 8


@dataclass(frozen=True)
class CodeFinding:
    status: Status  # FAIL or WARN
    location: Location
    note: str  # one sentence: what the code does and why it breaks the rule
    certainty: Certainty = "certain"

    def downgraded(self, why: str) -> CodeFinding:
        if self.status is not Status.FAIL:
            return replace(self, note=f"{self.note} ({why})")
        return replace(self, status=Status.WARN, note=f"{self.note} ({why}, so reported as a warning)")


def path_adjusted(finding: CodeFinding, *, dormant: bool, reached: bool) -> CodeFinding:
    if dormant:
        return finding.downgraded("on a path switched off in the submitted configuration")
    if not reached:
        return finding.downgraded("in code that train_gpt.py's main path never calls")
    return finding


def not_analysable(sources: SourceSet) -> CheckOutcome:
    """SKIP: there is no Python code to audit (no train_gpt.py, or it does not parse/decode)."""
    if sources.entry is None:
        return CheckOutcome(status=Status.SKIP, message="no train_gpt.py in the folder: nothing to audit")
    problems = [p for p in sources.problems if p.blocking] or sources.problems
    evidence = [Evidence(location=p.location, note=p.problem) for p in problems[:MAX_EVIDENCE]]
    return CheckOutcome(
        status=Status.SKIP,
        message="train_gpt.py could not be analysed statically: " + (problems[0].problem if problems else "unknown"),
        evidence=evidence,
        certainty="heuristic",
    )


def outcome(
    findings: Iterable[CodeFinding],
    pass_message: str,
    *,
    notes: Iterable[tuple[Location, str]] = (),
    verdicts: list[PolicyVerdict] | None = None,
) -> CheckOutcome:
    """Worst finding decides; evidence lists failures first, then warnings, then notes."""
    found = _dedupe(findings)
    found.sort(key=lambda f: (f.status is not Status.FAIL, f.location.path or "", f.location.line or 0))
    evidence = [Evidence(location=f.location, note=f.note) for f in found[:MAX_EVIDENCE]]
    if not found:
        evidence = [Evidence(location=loc, note=note) for loc, note in list(notes)[:MAX_EVIDENCE]]
        return CheckOutcome(status=Status.PASS, message=pass_message, evidence=evidence, verdicts=verdicts or [])
    top = found[0]
    more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
    certainty: Certainty = "certain" if top.status is Status.FAIL and top.certainty == "certain" else "heuristic"
    return CheckOutcome(
        status=top.status,
        message=f"{top.location.render()}: {top.note}{more}",
        evidence=evidence,
        verdicts=verdicts or [],
        certainty=certainty,
    )


def _dedupe(findings: Iterable[CodeFinding]) -> list[CodeFinding]:
    best: dict[tuple[str | None, int | None, str | None], CodeFinding] = {}
    for f in findings:
        key = (f.location.path, f.location.line, f.location.decoded_from)
        if key not in best or f.status.severity > best[key].status.severity:
            best[key] = f
    return list(best.values())


def analysis_or_skip(ctx: CheckContext) -> Analysis | CheckOutcome:
    """The shared analysis, or the SKIP outcome a code check returns when there is nothing to analyse."""
    sources = ctx.sources
    analysis = ctx.analysis if sources.analysable else None
    if analysis is None:
        return not_analysable(sources)
    return analysis


class DetectorReport(Protocol):
    """What a detector module returns: findings and notes per rule id."""

    @property
    def findings(self) -> Mapping[str, list[CodeFinding]]: ...

    @property
    def notes(self) -> Mapping[str, list[tuple[Location, str]]]: ...


def detector_outcome(
    ctx: CheckContext, detect: Callable[[Analysis], DetectorReport], rule: str, pass_message: str
) -> CheckOutcome:
    """The whole `run` of a code check whose verdict is one rule of a shared detector's report."""
    analysis = analysis_or_skip(ctx)
    if isinstance(analysis, CheckOutcome):
        return analysis
    report = detect(analysis)
    return outcome(report.findings.get(rule, []), pass_message, notes=report.notes.get(rule, []))
