from __future__ import annotations

import re
from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.errors import PgolfError
from pgolf.evidence import in_file
from pgolf.findings import CheckOutcome, Evidence, PolicyVerdict, Status, worst
from pgolf.folder import FileEntry, FileRole, SubmissionFolder

_FOLDER_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}_.+")
ENTRY_SCRIPT = "train_gpt.py"
README = "README.md"
_README_VARIANT = re.compile(r"readme.*\.md$", re.IGNORECASE)
_TRAIN_SCRIPT = re.compile(r"^train.*\.py$", re.IGNORECASE)
# A training loop, lexically: a backward pass (PyTorch `.backward(`, MLX/JAX `value_and_grad`/`grad(`)
# and an optimizer step (`.step(`, MLX/optax `optimizer.update(`, Keras `apply_gradients(`). A
# self-extracting wrapper (exec of a decompressed literal) hides its loop; it counts as an entry script.
_BACKWARD = re.compile(r"\.backward\(|value_and_grad\(|\bjax\.grad\(|\bmx\.grad\(")
_STEP = re.compile(r"\.step\(|\b(?:opt|optim|optimizer)\w*\.update\(|apply_gradients\(")
_WRAPPER = re.compile(r"exec\(.{0,80}decompress", re.DOTALL)
_SCRIPT_CAP = 8 * 1024 * 1024


def training_script(folder: SubmissionFolder, entry: FileEntry) -> bool:
    try:
        text = folder.read_text(entry, cap=_SCRIPT_CAP)
    except (PgolfError, OSError):
        return False
    return bool((_BACKWARD.search(text) and _STEP.search(text)) or _WRAPPER.search(text[:4096]))


class MissingRequiredFiles:
    code: ClassVar[str] = "PG101"
    slug: ClassVar[str] = "missing-required-files"
    rule: ClassVar[str] = "REQUIRED-FILES"
    kind: ClassVar[CheckKind] = "metadata"
    lifecycle: ClassVar[Lifecycle] = "stable"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        folder = ctx.folder
        top = [f for f in folder.files if "/" not in f.path]
        failures: list[Evidence] = []
        evidence_gaps: list[Evidence] = []  # logs, submission.json: policy-dependent off the record track
        warnings: list[Evidence] = []
        self._readme(top, failures, warnings)
        jsons = [f for f in top if f.role is FileRole.SUBMISSION_JSON]
        if not jsons:
            evidence_gaps.append(in_file(None, "no submission.json (or submission_*.json) in the folder"))
        elif not any(f.name == "submission.json" for f in jsons):
            warnings.append(in_file(jsons[0].path, "metadata uses a non-standard name; expected submission.json"))
        self._script(folder, top, failures, warnings)
        if not folder.by_role(FileRole.LOG):
            evidence_gaps.append(
                in_file(None, "no training log (*.log / *.txt): results need automatically produced logs")
            )
        if not _FOLDER_NAME.match(folder.name):
            warnings.append(in_file(None, f"folder name {folder.name!r} does not follow YYYY-MM-DD_description"))
        verdicts = []
        for policy in ctx.policies:
            gap = Status.FAIL if ctx.track.record else policy.nonrecord_missing_evidence_status
            statuses = [Status.FAIL] * bool(failures) + [gap] * bool(evidence_gaps) + [Status.WARN] * bool(warnings)
            status = worst(statuses) if statuses else Status.PASS
            reason = (
                "required files missing"
                if status is Status.FAIL
                else "logs or submission.json missing on the non-record track (merged so in practice)"
                if evidence_gaps
                else "non-standard names"
                if warnings
                else "all present"
            )
            verdicts.append(PolicyVerdict(policy=policy.name, status=status, reason=reason))
        status = next(v.status for v in verdicts if v.policy == ctx.policy_name)
        missing = failures + evidence_gaps
        if missing:
            return CheckOutcome(
                status=status,
                message=f"{len(missing)} required item(s) missing from the records folder",
                evidence=missing + warnings,
                verdicts=verdicts,
            )
        if warnings:
            return CheckOutcome(
                status=Status.WARN, message="required files present, names non-standard", evidence=warnings
            )
        return CheckOutcome(status=Status.PASS, message="README.md, submission.json, train_gpt.py and logs present")

    @staticmethod
    def _readme(top: list[FileEntry], failures: list[Evidence], warnings: list[Evidence]) -> None:
        if any(f.name == README for f in top):
            return
        variants = [f for f in top if _README_VARIANT.search(f.name)]
        if variants:
            warnings.append(in_file(variants[0].path, f"README under a non-standard name; expected {README}"))
        else:
            failures.append(in_file(None, "README.md is missing from the folder"))

    @staticmethod
    def _script(
        folder: SubmissionFolder, top: list[FileEntry], failures: list[Evidence], warnings: list[Evidence]
    ) -> None:
        if any(f.name == ENTRY_SCRIPT for f in top):
            return
        candidates = [f for f in top if _TRAIN_SCRIPT.match(f.name)]
        training = [f for f in candidates if training_script(folder, f)]
        if training:
            names = ", ".join(f.name for f in training)
            warnings.append(
                in_file(
                    training[0].path, f"training script under a non-standard name ({names}); expected {ENTRY_SCRIPT}"
                )
            )
            return
        seen = f" ({', '.join(f.name for f in candidates)} has no training loop)" if candidates else ""
        failures.append(
            in_file(None, f"code not shipped: no training entry script{seen}; the code must run from the folder")
        )
