"""PG417 byte-accounting-unsound: BPB must divide by the exact UTF-8 bytes of the original text."""

from __future__ import annotations

from typing import ClassVar

from pgolf.audit.detect_misc import ByteAccounting, LutProblem, byte_accounting
from pgolf.audit.report import CodeFinding, analysis_or_skip, outcome
from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Location, Status
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
        findings, notes = decide(byte_accounting(analysis, tokenizers))
        return outcome(
            findings, "byte look-up tables count byte-fallback and leading-space tokens exactly", notes=notes
        )


def decide(facts: ByteAccounting) -> tuple[list[CodeFinding], list[tuple[Location, str]]]:
    findings: list[CodeFinding] = []
    notes: list[tuple[Location, str]] = []
    for lut in facts.builders:
        name = lut.function
        if LutProblem.NO_BYTE_BRANCH in lut.problems:
            note = (
                f"{name} has no byte-fallback branch (sp.is_byte): byte tokens are counted by their piece text, "
                "e.g. '<0x0A>' as 6 bytes"
            )
            findings.append(CodeFinding(Status.WARN, lut.at, note, "heuristic"))
        elif LutProblem.BYTE_NOT_ONE in lut.problems and lut.byte_branch is not None:
            value = lut.byte_value
            shown = int(value) if value is not None and value.is_integer() else value
            note = (
                f"{name} counts a byte-fallback token as {shown} bytes; it stands for exactly 1 byte "
                "(the Scylla bug, #1184/#1806)"
            )
            findings.append(CodeFinding(Status.FAIL, lut.byte_branch, note))
        elif lut.byte_branch is not None:
            notes.append((lut.byte_branch, f"{name}: byte-fallback tokens count 1 byte"))
        if LutProblem.NO_SPACE_MARKER in lut.problems:
            note = (
                f"{name} never handles the leading-space marker '\u2581' (U+2581): word-boundary spaces may be "
                "miscounted (#897)"
            )
            findings.append(CodeFinding(Status.WARN, lut.at, note, "heuristic"))
    if facts.caseops is not None:
        if facts.caseops.sidecar:
            notes.append((facts.caseops.at, "CaseOps data is scored with the original-byte sidecar"))
        else:
            note = (
                "CaseOps-transformed tokens are scored without the fineweb_val_bytes_* sidecar, so BPB counts bytes "
                "of the transformed text, not of the original text"
            )
            findings.append(CodeFinding(Status.FAIL, facts.caseops.at, note))
    for name in facts.custom_tokenizers:
        note = "a custom tokenizer ships with the record; its byte accounting must be proven exact (README rule 2)"
        findings.append(CodeFinding(Status.WARN, Location(path=name), note, "heuristic"))
    return findings, notes
