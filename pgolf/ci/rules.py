"""The gate's own rules (PG0xx). They live here, not in the checks/ catalogue, because they need the
git diff of a pull request, which a folder check never sees. All of them enforce REQUIRED-FILES.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pgolf.findings import CheckResult, Evidence, Location, Status

RULE_ID = "REQUIRED-FILES"
# The ruling that dates strict_v1 (ruleset `[rulings.SUBMISSION-SCHEMA]`): the pre-commit hook holds a
# folder dated before it to the schema as a warning; the CI gate judges new PRs, so always in full.
SCHEMA_RULING = "SUBMISSION-SCHEMA"
MAX_EVIDENCE = 50  # GitHub shows 10 annotations per level per step; the rest would be noise


@dataclass(frozen=True)
class GateRule:
    code: str
    slug: str
    summary: str  # one line for the README table

    def result(self, status: Status, message: str, evidence: Sequence[Evidence] = ()) -> CheckResult:
        kept = list(evidence[:MAX_EVIDENCE])
        if len(evidence) > MAX_EVIDENCE:
            kept.append(Evidence(location=Location(), note=f"... and {len(evidence) - MAX_EVIDENCE} more"))
        return CheckResult(code=self.code, slug=self.slug, rule=RULE_ID, status=status, message=message, evidence=kept)


OUTSIDE = GateRule("PG001", "pr-touches-outside-records", "the PR changes a path outside its records/<track>/<folder>/")
SEVERAL = GateRule("PG002", "pr-adds-several-folders", "the PR adds more than one submission folder")
SCHEMA = GateRule(
    "PG003",
    "submission-json-schema",
    "the new folder's submission.json is missing or breaks the strict schema",
)
UNKNOWN_TRACK = GateRule(
    "PG004", "pr-uses-unknown-track", "the PR adds a folder under records/ that is not a known track"
)
EXISTING = GateRule(
    "PG005", "pr-changes-existing-record", "the PR modifies, deletes or renames files of an existing record"
)
NO_FOLDER = GateRule("PG006", "pr-adds-no-submission", "the PR adds no new submission folder")
UNREADABLE = GateRule("PG007", "submission-folder-unreadable", "pgolf check cannot read the new folder as a submission")

GATE_RULES: tuple[GateRule, ...] = (OUTSIDE, SEVERAL, SCHEMA, UNKNOWN_TRACK, EXISTING, NO_FOLDER, UNREADABLE)
