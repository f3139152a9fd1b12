from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, Status
from pgolf.logs.model import ParsedLog
from pgolf.logs.selection import fold_unjudged

DOUBLED_DATASETS_PATH = "datasets/datasets"


class LeakedTrainShards:
    code: ClassVar[str] = "PG301"
    slug: ClassVar[str] = "leaked-train-shards"
    rule: ClassVar[str] = "DATA-INTEGRITY"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        leak_counts = set(ctx.ruleset.data.leak_train_shards)
        sel = ctx.claim_logs
        hard: list[Evidence] = []
        soft: list[Evidence] = []
        seen: list[Evidence] = []
        for log in sel.judged:
            _read(log, leak_counts, hard, soft, seen)
        unjudged: list[Evidence] = []
        for log in sel.others:
            leaked: list[Evidence] = []
            _read(log, leak_counts, leaked, [], [])
            unjudged += [sel.unjudged(log, e) for e in leaked]
        if hard:
            return CheckOutcome(
                status=Status.FAIL,
                message="the logs backing the claim carry the train/validation overlap fingerprint",
                evidence=hard + soft + unjudged,
            )
        if soft:
            outcome = CheckOutcome(
                status=Status.WARN,
                message="dataset path suggests local data prep; verify the shards",
                evidence=soft + seen,
            )
        elif not seen:
            outcome = CheckOutcome(status=Status.SKIP, message="no log backing the claim prints train_shards")
        else:
            outcome = CheckOutcome(status=Status.PASS, message="no leak fingerprint in the data lines", evidence=seen)
        return fold_unjudged(outcome, unjudged, "the train/validation overlap fingerprint")


def _read(
    log: ParsedLog, leak_counts: set[int], hard: list[Evidence], soft: list[Evidence], seen: list[Evidence]
) -> None:
    if (shards := log.train_shards) is not None:
        if shards.value in leak_counts:
            hard.append(
                in_log(
                    log,
                    shards.line,
                    shards.text,
                    "train shard count of a local CaseOps prep with --val-docs=10000: "
                    "validation documents 10,000-49,999 are in training",
                    measured=shards.value,
                )
            )
        else:
            seen.append(in_log(log, shards.line, shards.text, "train shards", measured=shards.value))
    if (path := log.dataset_path) is not None and DOUBLED_DATASETS_PATH in path.value:
        soft.append(
            in_log(
                log,
                path.line,
                path.text,
                "doubled datasets/datasets path (a local-prep signal; also seen in accepted rows)",
            )
        )
