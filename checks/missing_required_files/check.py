from __future__ import annotations

import re
from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.evidence import in_file
from pgolf.findings import CheckOutcome, Evidence, Status
from pgolf.folder import FileRole

_FOLDER_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}_.+")
_ENTRY_SCRIPT = re.compile(r"^train_gpt[\w\-]*\.py$")


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
        warnings: list[Evidence] = []
        if not any(f.name.lower() == "readme.md" for f in top):
            failures.append(in_file(None, "README.md is missing from the folder"))
        jsons = [f for f in top if f.role is FileRole.SUBMISSION_JSON]
        if not jsons:
            failures.append(in_file(None, "no submission.json (or submission_*.json) in the folder"))
        elif not any(f.name == "submission.json" for f in jsons):
            warnings.append(in_file(jsons[0].path, "metadata uses a non-standard name; expected submission.json"))
        if not any(_ENTRY_SCRIPT.match(f.name) for f in top):
            failures.append(in_file(None, "no train_gpt.py: the code must ship in the folder and run from it"))
        if not folder.by_role(FileRole.LOG):
            failures.append(in_file(None, "no training log (*.log / *.txt): results need automatically produced logs"))
        if not _FOLDER_NAME.match(folder.name):
            warnings.append(in_file(None, f"folder name {folder.name!r} does not follow YYYY-MM-DD_description"))
        if failures:
            return CheckOutcome(
                status=Status.FAIL,
                message=f"{len(failures)} required item(s) missing from the records folder",
                evidence=failures + warnings,
            )
        if warnings:
            return CheckOutcome(
                status=Status.WARN, message="required files present, names non-standard", evidence=warnings
            )
        return CheckOutcome(status=Status.PASS, message="README.md, submission.json, train_gpt.py and logs present")
