"""PG415 network-call: no downloads or network calls during evaluation."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_misc import c_network_lines, network_calls
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class NetworkCall:
    code: ClassVar[str] = "PG415"
    slug: ClassVar[str] = "network-call"
    rule: ClassVar[str] = "NETWORK"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        findings: list[CodeFinding] = []
        for call in network_calls(analysis):
            if call.at_eval:
                note = (
                    f"`{call.call}` can reach the network during evaluation; the artifact must be self-contained "
                    "(no downloads or network calls)"
                )
                findings.append(on_path(CodeFinding(Status.FAIL, call.at, note), call.path))
            else:
                note = (
                    f"`{call.call}` can reach the network before evaluation; downloads belong in setup, never in "
                    "the timed run"
                )
                findings.append(on_path(CodeFinding(Status.WARN, call.at, note, "heuristic"), call.path))
        note = "C code compiled at run time includes a network header or spawns a process"
        findings += [CodeFinding(Status.WARN, where, note, "heuristic") for where in c_network_lines(analysis)]
        return outcome(
            findings, "no network call is reachable from training or evaluation", incomplete=analysis.incomplete
        )
