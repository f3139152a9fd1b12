"""PG417 byte-accounting-unsound: BPB must divide by the exact UTF-8 bytes of the original text."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_misc import byte_accounting
from pgolf.audit.report import analysis_or_skip, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome
from pgolf.folder import FileRole


class ByteAccountingUnsound:
    code: ClassVar[str] = "PG417"
    slug: ClassVar[str] = "byte-accounting-unsound"
    rule: ClassVar[str] = "TOKENIZER/BPB-ACCOUNTING"
    kind: ClassVar[CheckKind] = "code"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        analysis = analysis_or_skip(ctx)
        if isinstance(analysis, CheckOutcome):
            return analysis
        tokenizers = [f.path for f in ctx.folder.by_role(FileRole.TOKENIZER)]
        findings, notes = byte_accounting(analysis, tokenizers)
        return outcome(
            findings, "byte look-up tables count byte-fallback and leading-space tokens exactly", notes=notes
        )
