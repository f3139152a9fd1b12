"""PG414 stop-step-override: a step-count override (FORCE_STOP_STEP) must not replace the wall clock."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_misc import StopOverride, stop_overrides
from pgolf.audit.report import CodeFinding, analysis_or_skip, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Location, Status


def _set(value: object) -> bool:
    """A step override that is on: a non-zero number (unset, 0, '0', '' and None are off)."""
    if value is None:
        return False
    try:
        return float(str(value).strip() or "0") != 0
    except ValueError:
        return True


class StopStepOverride:
    code: ClassVar[str] = "PG414"
    slug: ClassVar[str] = "stop-step-override"
    rule: ClassVar[str] = "FORCE-STOP-STEP"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        cfg = analysis.config
        findings: list[CodeFinding] = []
        notes: list[tuple[Location, str]] = []
        for found in stop_overrides(analysis):
            used = cfg.env.get(found.env_name, cfg.attrs.get(found.env_name.lower()))
            if _set(used):
                where = cfg.sources.get(found.env_name) or cfg.sources.get(found.env_name.lower()) or "the run"
                findings.append(self._finding(found, f"{found.env_name}={used} is set in {where}"))
            elif used is None and _set(found.default):
                findings.append(self._finding(found, f"{found.env_name} defaults to {found.default}"))
            else:
                notes.append((found.location, f"{found.env_name} exists but is off in the submitted run"))
        return outcome(findings, "no step-count override replaces the wall-clock stop", notes=notes)

    @staticmethod
    def _finding(found: StopOverride, why: str) -> CodeFinding:
        return CodeFinding(
            Status.FAIL,
            found.location,
            f"{why}: training stops at a fixed step instead of the "
            "600 s wall clock, so it can run past the cap on slower GPUs (#1908)",
        )
