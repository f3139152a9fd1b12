from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_json, in_log
from pgolf.findings import CheckOutcome, Evidence, Status
from pgolf.logs.model import LogRole, SizeKind


class ArtifactTooLarge:
    code: ClassVar[str] = "PG201"
    slug: ClassVar[str] = "artifact-too-large"
    rule: ClassVar[str] = "SIZE-CAP"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        cap = ctx.track.max_artifact_bytes
        over: list[Evidence] = []
        under: list[Evidence] = []
        for log in ctx.logs:
            total = log.size(SizeKind.TOTAL)
            if total is None or log.role is LogRole.REFERENCE:
                continue
            target = over if total.bytes > cap else under
            target.append(in_log(log, total.line, total.text, "logged artifact total", measured=total.bytes, limit=cap))
        meta = ctx.meta.meta if ctx.meta else None
        if meta is not None:
            claims = [c for c in [meta.bytes_total] if c is not None]
            claims += [c.artifact_bytes for c in meta.seed_results.values() if c.artifact_bytes is not None]
            for claim in claims:
                if claim.value > cap:
                    over.append(in_json(meta.path, claim, "claimed artifact bytes", measured=claim.value, limit=cap))
        if over:
            worst_bytes = max(int(e.measured) for e in over if isinstance(e.measured, int))
            return CheckOutcome(
                status=Status.FAIL,
                message=f"artifact of {worst_bytes:,} bytes exceeds the {cap:,}-byte cap (decimal)",
                evidence=over + under,
            )
        if not under:
            return CheckOutcome(
                status=Status.WARN, message="no log prints a `Total submission size` line to verify the cap"
            )
        largest = max(int(e.measured) for e in under if isinstance(e.measured, int))
        return CheckOutcome(
            status=Status.PASS,
            message=f"largest logged artifact {largest:,} bytes <= {cap:,}",
            evidence=under,
        )
