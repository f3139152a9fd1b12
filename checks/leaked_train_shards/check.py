from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_log
from pgolf.findings import CheckOutcome, Evidence, Status
from pgolf.logs.model import LogRole

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
        hard: list[Evidence] = []
        soft: list[Evidence] = []
        seen: list[Evidence] = []
        for log in ctx.logs:
            if log.role is LogRole.REFERENCE:
                continue
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
        if hard:
            return CheckOutcome(
                status=Status.FAIL,
                message="the logs carry the train/validation overlap fingerprint",
                evidence=hard + soft,
            )
        if soft:
            return CheckOutcome(
                status=Status.WARN,
                message="dataset path suggests local data prep; verify the shards",
                evidence=soft + seen,
            )
        if not seen:
            return CheckOutcome(status=Status.SKIP, message="no log prints train_shards")
        return CheckOutcome(status=Status.PASS, message="no leak fingerprint in the data lines", evidence=seen)
