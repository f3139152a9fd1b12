"""PG417 byte-accounting-unsound: BPB must divide by the exact UTF-8 bytes of the original text."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from pgolf.audit.datatables import MAX_TABLE_BYTES
from pgolf.audit.detect_misc import TOKENIZER_SUFFIXES, ByteAccounting, LutProblem, ShippedTable, byte_accounting
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
        folder = ctx.folder
        tokenizers = [f.path for f in folder.files if f.path.lower().endswith(TOKENIZER_SUFFIXES)]
        data = {
            f.path: partial(folder.read_bytes, f, MAX_TABLE_BYTES) for f in folder.files if f.role is not FileRole.CODE
        }
        findings, notes = decide(byte_accounting(analysis, tokenizers, data))
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
        note = (
            "a custom tokenizer or vocabulary ships with the record; its byte accounting must be proven exact "
            "(README rule 2)"
        )
        findings.append(CodeFinding(Status.WARN, Location(path=name), note, "heuristic"))
    for table in facts.tables:
        table_findings, table_notes = _table(table)
        findings += table_findings
        notes += table_notes
    return findings, notes


# SentencePiece's byte_fallback layout: ids 0-2 are <unk>, <s>, </s>; ids 3-258 are <0x00>..<0xFF>.
BYTE_BLOCK = range(3, 259)


def _table(table: ShippedTable) -> tuple[list[CodeFinding], list[tuple[Location, str]]]:
    """D16: the table the run loads is the one audited; unreadable is a WARN, never a PASS."""
    shipped = Location(path=table.path)
    related = ((shipped, "the shipped table"),)
    if table.values is None:
        note = f"the run loads its byte table from {table.path}, which pgolf cannot read ({table.unreadable})"
        return [CodeFinding(Status.WARN, table.at, note, "heuristic", related)], []
    values = table.values
    if len(values) <= BYTE_BLOCK[-1]:
        note = f"the byte table {table.path} has {len(values)} entries: too few to hold the byte-fallback ids"
        return [CodeFinding(Status.WARN, table.at, note, "heuristic", related)], []
    block = {values[i] for i in BYTE_BLOCK}
    key = f"`{table.key}` in {table.path}" if table.key else table.path
    if block == {1.0}:
        return [], [(table.at, f"the shipped byte table {key} counts the byte-fallback ids 3-258 as 1 byte")]
    if len(block) == 1:
        count = next(iter(block))
        shown = int(count) if count.is_integer() else count
        note = (
            f"the run loads its byte counts from {key} in preference to building them, and that table counts "
            f"the byte-fallback block (ids 3-258) as {shown} bytes each; a byte-fallback token stands for "
            "exactly 1 byte (the Scylla bug, #1184/#1806)"
        )
        return [CodeFinding(Status.FAIL, table.at, note, related=related)], []
    note = (
        f"the run loads its byte counts from {key}; ids 3-258 do not all count 1 byte, and without the "
        "tokenizer pgolf cannot tell which ids are byte-fallback tokens"
    )
    return [CodeFinding(Status.WARN, table.at, note, "heuristic", related)], []
