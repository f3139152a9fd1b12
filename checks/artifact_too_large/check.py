from __future__ import annotations

from typing import ClassVar

from pgolf.artifact import account_artifact
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_json
from pgolf.findings import CheckOutcome, Evidence, Status
from pgolf.logs.selection import fold_unjudged


class ArtifactTooLarge:
    code: ClassVar[str] = "PG201"
    slug: ClassVar[str] = "artifact-too-large"
    rule: ClassVar[str] = "SIZE-CAP"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        """The artifact as practiced: the runs' own `Total submission size` lines, and the claims."""
        cap = ctx.track.max_artifact_bytes
        sel = ctx.claim_logs
        judged = account_artifact(ctx.folder, sel.judged, sources=ctx.sources, cap=cap)
        over: list[Evidence] = []
        under: list[Evidence] = []
        for run in judged.runs:
            if run.practiced_total is not None:
                (over if run.practiced_total > cap else under).append(run.evidence[0])
        meta = ctx.meta.meta if ctx.meta else None
        if meta is not None:
            claims = [c for c in [meta.bytes_total] if c is not None]
            claims += [c.artifact_bytes for c in meta.seed_results.values() if c.artifact_bytes is not None]
            # `bytes_total` may be read from a seed's `artifact_bytes` (no top-level total): one claim, one line
            by_pointer = {c.pointer: c for c in claims}
            for claim in by_pointer.values():
                if claim.value > cap:
                    over.append(in_json(meta.path, claim, "claimed artifact bytes", measured=claim.value, limit=cap))
        others = account_artifact(ctx.folder, sel.others, sources=ctx.sources, cap=cap)
        unjudged = [
            sel.unjudged(lg, run.evidence[0])
            for run in others.runs
            if run.practiced_total is not None and run.practiced_total > cap
            for lg in sel.others
            if lg.path == run.source
        ]
        if over:
            worst_bytes = max(int(e.measured) for e in over if isinstance(e.measured, int))
            return CheckOutcome(
                status=Status.FAIL,
                message=f"artifact of {worst_bytes:,} bytes exceeds the {cap:,}-byte cap (decimal)",
                evidence=over + under + unjudged,
            )
        if not under:
            outcome = CheckOutcome(
                status=Status.WARN, message="no log backing the claim prints a `Total submission size` line"
            )
        else:
            largest = max(int(e.measured) for e in under if isinstance(e.measured, int))
            outcome = CheckOutcome(
                status=Status.PASS, message=f"largest logged artifact {largest:,} bytes <= {cap:,}", evidence=under
            )
        return fold_unjudged(outcome, unjudged, "an artifact over the cap")
