from __future__ import annotations

import re
from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, PolicyVerdict, Status
from pgolf.logs.model import ParsedLog
from pgolf.logs.selection import fold_unjudged

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


def _partial(log: ParsedLog, ctx: CheckContext) -> list[Evidence]:
    """What makes a log's score partial: subset settings, fewer documents, a subset's val_tokens."""
    data = ctx.ruleset.data
    found = _subset_settings(log, data.val_docs)
    if (docs := log.ttt_phased_total_docs) is not None and docs.value != data.val_docs:
        found.append(in_log(log, docs.line, docs.text, "documents scored", measured=docs.value, limit=data.val_docs))
    if (vt := log.val_tokens) is not None and vt.value in data.subset_val_tokens:
        found.append(
            in_log(log, vt.line, vt.text, "val_tokens of a 10,000-document validation subset", measured=vt.value)
        )
    return found


class PartialValCoverage:
    code: ClassVar[str] = "PG302"
    slug: ClassVar[str] = "partial-val-coverage"
    rule: ClassVar[str] = "VAL-COVERAGE"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        data = ctx.ruleset.data
        sel = ctx.claim_logs
        logs = list(sel.judged)
        unjudged = [sel.unjudged(lg, e) for lg in sel.others for e in _partial(lg, ctx)]
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
                evidence=fail + soft + ok + unjudged,
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
            outcome = CheckOutcome(
                status=status,
                message="validation token counts are not the canonical ones",
                evidence=soft + ok,
                verdicts=verdicts,
            )
        elif not ok:
            outcome = CheckOutcome(status=Status.SKIP, message="no log backing the claim prints val_tokens")
        else:
            outcome = CheckOutcome(
                status=Status.PASS, message="full validation split scored in every log backing the claim", evidence=ok
            )
        return fold_unjudged(outcome, unjudged, "a partial validation set")
