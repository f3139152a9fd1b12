from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Evidence, Location, Status


class SubmissionJsonUnreadable:
    code: ClassVar[str] = "PG102"
    slug: ClassVar[str] = "submission-json-unreadable"
    rule: ClassVar[str] = "REQUIRED-FILES"
    kind: ClassVar[CheckKind] = "metadata"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        result = ctx.meta
        if result is None:
            return CheckOutcome(status=Status.SKIP, message="no submission*.json (PG101 reports it)")
        problems = [
            Evidence(location=Location(path=result.path, line=p.line, json_pointer=p.pointer), note=p.message)
            for p in result.problems
        ]
        meta = result.meta
        if meta is None:
            return CheckOutcome(status=Status.FAIL, message=f"{result.path} is not usable JSON", evidence=problems)
        repairs = [
            Evidence(location=Location(path=result.path, json_pointer=r.pointer), note=f"repaired: {r.action}")
            for r in meta.repairs
        ]
        if meta.val_bpb is None and meta.val_loss is None and not meta.seed_results:
            return CheckOutcome(
                status=Status.FAIL,
                message=f"{result.path} claims no score: no val_bpb (or alias), val_loss or per-seed results",
                evidence=problems + repairs,
            )
        if problems:
            return CheckOutcome(
                status=Status.WARN,
                message=f"{result.path} read with {len(problems)} problem(s) and {len(repairs)} repair(s)",
                evidence=problems + repairs,
            )
        note = f" after {len(repairs)} mechanical repair(s)" if repairs else ""
        return CheckOutcome(status=Status.PASS, message=f"{result.path} read{note}", evidence=repairs)
