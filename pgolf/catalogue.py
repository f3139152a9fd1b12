"""The check protocol, the context checks read, and the loop that runs them with error isolation."""

from __future__ import annotations

import re
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal, Protocol

from pgolf.findings import CheckOutcome, CheckResult, Evidence, Location, PolicyName, Status
from pgolf.folder import SubmissionFolder
from pgolf.ruleset import Policy, Ruleset, Ruling, TrackLimits
from pgolf.timeline import JudgedAt, grandfather_evidence, in_force, judged_at, ruling_cap

if TYPE_CHECKING:
    from pgolf.audit.analysis import Analysis
    from pgolf.audit.sources import SourceSet
    from pgolf.logs.model import ParsedLog
    from pgolf.logs.selection import LogSelection
    from pgolf.meta.model import MetaReadResult
    from pgolf.stats import Baseline

CheckKind = Literal["metadata", "log", "code", "run"]
Lifecycle = Literal["preview", "stable", "deprecated"]
CODE_PATTERN = re.compile(r"^PG\d{3}$")
SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
DOC_SECTIONS = ("## What it checks", "## Rule", "## Sources", "## How pgolf decides", "## How to fix")


class Check(Protocol):
    """One rule check. Its folder holds check.py, README.md (DOC_SECTIONS) and fixtures.py."""

    code: ClassVar[str]  # PG + 3 digits, stable forever
    slug: ClassVar[str]  # the violation's name, e.g. artifact-too-large
    rule: ClassVar[str]  # the rule id in RULES.md, e.g. SIZE-CAP
    kind: ClassVar[CheckKind]
    lifecycle: ClassVar[Lifecycle]
    since: ClassVar[str]

    def run(self, ctx: CheckContext) -> CheckOutcome: ...


@dataclass
class CheckContext:
    """Everything a check may read. Parsed views are computed once, on first use."""

    folder: SubmissionFolder
    ruleset: Ruleset
    policy_name: PolicyName = "readme"
    baseline: Baseline | None = None
    extra: Mapping[str, object] = field(default_factory=dict)
    as_of: date | None = None  # set by `--ruleset ID`: judge as of that ruleset's date, not the submission's

    @property
    def policy(self) -> Policy:
        return self.ruleset.policies[self.policy_name]

    @property
    def policies(self) -> list[Policy]:
        return list(self.ruleset.policies.values())

    @cached_property
    def track(self) -> TrackLimits:
        """Track from the records path, else from submission.json, else the ruleset default."""
        from_path = self.ruleset.track(self.folder.track_dir)
        if from_path is not None:
            return from_path
        meta = self.meta.meta if self.meta else None
        from_json = self.ruleset.track(meta.track.value) if meta and meta.track else None
        return from_json or self.ruleset.default_track

    @cached_property
    def judged_at(self) -> JudgedAt:
        """The day whose rulings apply: `as_of`, else submission.json `date`, else the folder's prefix."""
        meta = self.meta.meta if self.meta else None
        return judged_at(self.folder.name, meta, self.as_of)

    def ruling(self, ruling_id: str) -> Ruling:
        return self.ruleset.ruling(ruling_id)

    def in_force(self, ruling_id: str) -> bool:
        """Whether the ruling applied on the submission's date (see pgolf.timeline)."""
        return in_force(self.ruling(ruling_id), self.judged_at)

    def ruling_cap(self, ruling_id: str, policy: Policy) -> tuple[Status, str]:
        """The most severe status a violation of the ruling may get under `policy`, with the reason."""
        return ruling_cap(self.ruling(ruling_id), self.judged_at, policy)

    def grandfathered(self, ruling_id: str) -> Evidence | None:
        """Evidence that the submission predates the ruling; None when the ruling is in force."""
        ruling = self.ruling(ruling_id)
        return None if in_force(ruling, self.judged_at) else grandfather_evidence(ruling, self.judged_at)

    @cached_property
    def meta(self) -> MetaReadResult | None:
        from pgolf.meta.lenient import read_submission_json

        return read_submission_json(self.folder)

    @cached_property
    def logs(self) -> list[ParsedLog]:
        from pgolf.logs.collect import read_logs

        return read_logs(self.folder)

    @cached_property
    def claim_logs(self) -> LogSelection:
        """The logs that back the claim (pgolf.logs.selection): what timing, hardware, gate,
        precompute and data rules judge; `claim_logs.others` only give notes or warnings."""
        from pgolf.logs.selection import select_claim_logs

        meta = self.meta.meta if self.meta else None
        return select_claim_logs(self.logs, meta, self.ruleset.data.claim_tolerance_bpb)

    @cached_property
    def sources(self) -> SourceSet:
        """train_gpt.py and the code it loads, wrappers decoded (never imported or run)."""
        from pgolf.audit.sources import gather_sources

        return gather_sources(self.folder)

    @cached_property
    def analysis(self) -> Analysis | None:
        """The static analysis the code checks (PG4xx) share; None when there is no Python code."""
        from pgolf.audit.context import analysis_for

        return analysis_for(self, self.sources)


def load_doc(check: type[Check] | Check) -> str:
    """The check's README.md, which `pgolf explain` prints."""
    import sys

    module = sys.modules[type(check).__module__ if not isinstance(check, type) else check.__module__]
    return (Path(module.__file__ or "").parent / "README.md").read_text("utf-8")


def _error_outcome(exc: BaseException) -> CheckOutcome:
    tb = traceback.extract_tb(exc.__traceback__)
    frame = tb[-1] if tb else None
    where = Location(path=frame.filename, line=frame.lineno) if frame else Location()
    return CheckOutcome(
        status=Status.ERROR,
        message=f"the check crashed: {type(exc).__name__}: {exc}",
        evidence=[Evidence(location=where, note="".join(traceback.format_exception(exc))[-2000:])],
    )


def run_check(check: Check, ctx: CheckContext) -> CheckResult:
    started = time.perf_counter()
    try:
        outcome = check.run(ctx)
        if outcome.verdicts:
            chosen = next((v for v in outcome.verdicts if v.policy == ctx.policy_name), None)
            if chosen is not None and chosen.status is not outcome.status:
                outcome = outcome.model_copy(update={"status": chosen.status})
        if check.lifecycle == "preview" and outcome.status is Status.FAIL:
            outcome = outcome.model_copy(update={"status": Status.WARN, "message": "[preview] " + outcome.message})
    except Exception as exc:  # one crashing check must never hide the others
        outcome = _error_outcome(exc)
    return CheckResult(
        code=check.code,
        slug=check.slug,
        rule=check.rule,
        duration_ms=round((time.perf_counter() - started) * 1000, 3),
        **outcome.model_dump(),
    )


def select_checks(
    checks: Iterable[type[Check]], select: Sequence[str] = (), ignore: Sequence[str] = ()
) -> list[type[Check]]:
    """Filter by code, slug, rule id or kind (case-insensitive); unknown names are a usage error."""
    from pgolf.errors import UsageError

    pool = list(checks)

    def names(c: type[Check]) -> set[str]:
        return {c.code.lower(), c.slug.lower(), c.rule.lower(), c.kind.lower()}

    known = set().union(*(names(c) for c in pool)) if pool else set()
    for option, wanted in [*(("--select", n) for n in select), *(("--ignore", n) for n in ignore)]:
        if wanted.lower() not in known:
            raise UsageError(f"{option}: unknown check or rule {wanted!r} (see `pgolf list-checks`)")
    chosen = [c for c in pool if not select or names(c) & {s.lower() for s in select}]
    return [c for c in chosen if not names(c) & {i.lower() for i in ignore}]


def run_checks(checks: Sequence[type[Check]], ctx: CheckContext) -> list[CheckResult]:
    return [run_check(cls(), ctx) for cls in checks]


class CheckInfo:
    """Catalogue-wide helpers used by `list-checks` and `explain`."""

    FIELDS: ClassVar[tuple[str, ...]] = ("code", "slug", "rule", "kind", "lifecycle", "since")

    @staticmethod
    def row(check: type[Check]) -> dict[str, str]:
        return {name: str(getattr(check, name)) for name in CheckInfo.FIELDS}
