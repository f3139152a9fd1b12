"""Helpers the PG4xx checks use to turn audit facts into an outcome (no rule knowledge here).

A check builds `CodeFinding`s from the facts a detector returned: a status (FAIL only on
high-certainty patterns, WARN for heuristics), the line, one sentence of why, and related lines a
reviewer needs (the key construction beside the lookup). `on_path` applies the one path model: a
finding on a path the submitted run does not take (a switch that is off in its configuration, or a
function nothing calls) is downgraded from FAIL to WARN and says so; a statically-off path that the
logs show ran is not downgraded, and the evidence cites the log line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from pgolf.audit.analysis import Analysis, PathState, Reach
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
    related: tuple[tuple[Location, str], ...] = ()  # further lines a reviewer needs, in order

    def downgraded(self, why: str) -> CodeFinding:
        if self.status is not Status.FAIL:
            return replace(self, note=f"{self.note} ({why})")
        return replace(self, status=Status.WARN, note=f"{self.note} ({why}, so reported as a warning)")


def on_path(finding: CodeFinding, path: PathState) -> CodeFinding:
    """The finding as its path allows: downgraded off the run's path, with the log line when it ran."""
    if path.reach is Reach.DORMANT:
        where = f" at {path.switch.render()}" if path.switch is not None else ""
        return finding.downgraded(f"on a path switched off in the submitted configuration{where}")
    if path.reach is Reach.UNREACHED:
        return finding.downgraded("in code that train_gpt.py's main path never calls")
    if path.ran is not None:
        note = "the switch around this code is off by default, but this log line is printed only on its path"
        return replace(finding, related=(*finding.related, (path.ran, note)))
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
    incomplete: str | None = None,
) -> CheckOutcome:
    """Worst finding decides; evidence lists failures first, then warnings, then notes.

    `incomplete` (Analysis.incomplete) turns a would-be PASS into WARN "analysis incomplete": a budget
    that ran out must never read as a clean bill.
    """
    found = _dedupe(findings)
    found.sort(key=lambda f: (f.status is not Status.FAIL, f.location.path or "", f.location.line or 0))
    evidence: list[Evidence] = []
    for f in found:
        evidence.append(Evidence(location=f.location, note=f.note))
        evidence += [Evidence(location=loc, note=note) for loc, note in f.related]
    evidence = evidence[:MAX_EVIDENCE]
    if not found:
        evidence = [Evidence(location=loc, note=note) for loc, note in list(notes)[:MAX_EVIDENCE]]
        if incomplete is not None:
            return CheckOutcome(
                status=Status.WARN,
                message=f"analysis incomplete: {incomplete}; nothing was found, but the code was not fully analysed",
                evidence=evidence,
                verdicts=verdicts or [],
                certainty="heuristic",
            )
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
