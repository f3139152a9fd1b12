from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_file
from pgolf.findings import CheckOutcome, Evidence, Status


class UnreadableFiles:
    code: ClassVar[str] = "PG104"
    slug: ClassVar[str] = "unreadable-files"
    rule: ClassVar[str] = "REQUIRED-FILES"
    kind: ClassVar[CheckKind] = "metadata"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        evidence: list[Evidence] = [in_file(s.path, s.reason) for s in ctx.folder.skipped]
        evidence += [in_file(log.path, note) for log in ctx.logs for note in log.notes if "not parsed" in note]
        if not evidence:
            return CheckOutcome(status=Status.PASS, message="every file in the folder was read")
        leaves = any("outside the folder" in e.note for e in evidence)
        return CheckOutcome(
            # A link out of the folder lets a run read host files that the submission does not ship.
            status=Status.FAIL if leaves else Status.WARN,
            message=(
                f"{len(evidence)} entr(y/ies) not read" + (": a symlink points outside the folder" if leaves else "")
            ),
            evidence=evidence,
        )
