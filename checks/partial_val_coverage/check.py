from __future__ import annotations

import re
from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, PolicyVerdict, Status
from pgolf.logs.model import LogRole, ParsedLog

_SUBSET_KEYS = re.compile(r"subset|val_doc_fraction|val_docs|val_max_tokens")


def _subset_settings(log: ParsedLog, val_docs: int) -> list[Evidence]:
    found = []
    for key, value in log.hyperparameters.items():
        if not _SUBSET_KEYS.search(key):
            continue
        text = value.value.strip()
        is_fraction = "fraction" in key and _as_float(text) is not None and (_as_float(text) or 0) < 1
        is_docs = key.endswith("val_docs") and text.isdigit() and int(text) != val_docs
        is_subset = "subset" in key and text not in {"0", "None", "False", ""}
        if is_fraction or is_docs or is_subset:
            found.append(in_log(log, value.line, value.text, f"validation subset setting {key}", measured=text))
    return found


def _as_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


class PartialValCoverage:
    code: ClassVar[str] = "PG302"
    slug: ClassVar[str] = "partial-val-coverage"
    rule: ClassVar[str] = "VAL-COVERAGE"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        data = ctx.ruleset.data
        logs = [lg for lg in ctx.logs if lg.role is not LogRole.REFERENCE]
        fail: list[Evidence] = []
        soft: list[Evidence] = []
        ok: list[Evidence] = []
        for log in logs:
            fail += _subset_settings(log, data.val_docs)
            if (docs := log.ttt_phased_total_docs) is not None and docs.value != data.val_docs:
                fail.append(
                    in_log(
                        log,
                        docs.line,
                        docs.text,
                        "documents scored",
                        measured=docs.value,
                        limit=data.val_docs,
                    )
                )
            if (vt := log.val_tokens) is None:
                continue
            if vt.value in data.subset_val_tokens:
                fail.append(
                    in_log(
                        log,
                        vt.line,
                        vt.text,
                        "val_tokens of a 10,000-document validation subset",
                        measured=vt.value,
                    )
                )
            elif data.variant_for_tokens(vt.value) is None:
                soft.append(
                    in_log(
                        log,
                        vt.line,
                        vt.text,
                        "val_tokens matches no known tokenizer variant",
                        measured=vt.value,
                    )
                )
            else:
                ok.append(in_log(log, vt.line, vt.text, "val_tokens", measured=vt.value))
            hints = log.ngram_hints
            if hints is not None and hints.total != vt.value:
                soft.append(
                    in_log(
                        log,
                        hints.line,
                        hints.text,
                        "n-gram hint total differs from val_tokens",
                        measured=hints.total,
                        limit=vt.value,
                    )
                )
        counts = {lg.val_tokens.value for lg in logs if lg.val_tokens is not None}
        if len(counts) > 1:
            soft.append(
                Evidence(
                    location=ok[0].location if ok else soft[0].location,
                    note=f"val_tokens differ across logs: {sorted(counts)}",
                )
            )
        if fail:
            return CheckOutcome(
                status=Status.FAIL,
                message="scores come from part of the validation set",
                evidence=fail + soft + ok,
            )
        if soft:
            verdicts = [
                PolicyVerdict(
                    policy=p.name,
                    status=p.val_tokens_mismatch_status,
                    reason="non-canonical val_tokens (open question B.6: no official count)",
                )
                for p in ctx.policies
            ]
            status = next(v.status for v in verdicts if v.policy == ctx.policy_name)
            return CheckOutcome(
                status=status,
                message="validation token counts are not the canonical ones",
                evidence=soft + ok,
                verdicts=verdicts,
            )
        if not ok:
            return CheckOutcome(status=Status.SKIP, message="no log prints val_tokens")
        return CheckOutcome(status=Status.PASS, message="full validation split scored in every log", evidence=ok)
