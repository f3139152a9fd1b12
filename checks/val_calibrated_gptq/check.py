"""PG410 val-calibrated-gptq: GPTQ Hessians must not be collected from validation data."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit import labels as L
from pgolf.audit.detect_gptq import gptq_report
from pgolf.audit.report import CodeFinding, analysis_or_skip, on_path, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Location, Status


class ValCalibratedGptq:
    code: ClassVar[str] = "PG410"
    slug: ClassVar[str] = "val-calibrated-gptq"
    rule: ClassVar[str] = "GPTQ-CALIB-DATA"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        findings: list[CodeFinding] = []
        notes: list[tuple[Location, str]] = []
        for cal in gptq_report(analysis).calibrations:
            name = analysis.name_of(cal.fid)
            if cal.data & L.VAL:
                only_val = not cal.data & (L.TRAIN | L.GEN | L.RAND)
                finding = CodeFinding(
                    Status.FAIL if only_val else Status.WARN,
                    cal.location,
                    f"{name} collects GPTQ Hessians from {cal.source} data: calibration must use training data "
                    "inside the budget or self-generated tokens, never validation data (#728 -> #1019)",
                    "certain" if only_val else "heuristic",
                )
                findings.append(on_path(finding, cal.path))
            else:
                notes.append((cal.location, f"{name} calibrates on {cal.source} data"))
        return outcome(
            findings,
            "GPTQ calibration (if any) does not read validation data",
            notes=notes,
            incomplete=analysis.incomplete,
        )
