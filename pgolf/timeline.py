"""Rulings as a timeline: which organizer rulings were in force on a submission's date.

A submission's date is its submission.json `date` (first YYYY-MM-DD in the value), else the
folder's `YYYY-MM-DD_` prefix. A ruling dated after it does not apply (unless retroactive): a
violation is reported as WARN "grandfathered", naming the ruling's date and source. When the
user pins a ruleset (`--ruleset ID`), every submission is judged as of that ruleset's date.

Checks use this through `CheckContext` (`ctx.judged_at`, `ctx.in_force(id)`, `ctx.ruling_cap(id,
policy)`), never by reading dates themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from pgolf.findings import Evidence, Location, Status
from pgolf.meta.model import SubmissionMeta
from pgolf.ruleset import Policy, Ruling

_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_FOLDER_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})_")


def _day(match: re.Match[str] | None) -> date | None:
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:  # 2026-02-30 and the like: not a date, so no date
        return None


@dataclass(frozen=True)
class JudgedAt:
    """The day a submission is judged as of, and where that day comes from."""

    day: date | None  # None: no date anywhere; every ruling applies
    basis: str  # "submission.json date", "folder name", "--ruleset 2026-05-02", "no date found"
    location: Location

    def describe(self) -> str:
        return f"{self.day.isoformat()} ({self.basis})" if self.day else self.basis


def judged_at(folder_name: str, meta: SubmissionMeta | None, pinned: date | None = None) -> JudgedAt:
    if pinned is not None:
        return JudgedAt(day=pinned, basis="the ruleset chosen with --ruleset", location=Location())
    if meta is not None and meta.date is not None:
        day = _day(_ISO_DAY.search(str(meta.date.value)))
        if day is not None:
            return JudgedAt(
                day=day,
                basis="submission.json date",
                location=Location(path=meta.path, json_pointer=meta.date.pointer, excerpt=str(meta.date.value)[:80]),
            )
    day = _day(_FOLDER_DAY.match(folder_name))
    if day is not None:
        return JudgedAt(day=day, basis="folder name", location=Location(excerpt=folder_name[:80]))
    return JudgedAt(day=None, basis="no date in submission.json or the folder name", location=Location())


def in_force(ruling: Ruling, at: JudgedAt) -> bool:
    return ruling.retroactive or at.day is None or at.day >= ruling.date


def grandfather_evidence(ruling: Ruling, at: JudgedAt) -> Evidence:
    """The evidence line of a grandfathered finding: the submission's date against the ruling's."""
    return Evidence(
        location=at.location,
        note=(
            f"grandfathered: submitted {at.describe()}, before the {ruling.id} ruling of "
            f"{ruling.date.isoformat()} ({ruling.source})"
        ),
        measured=at.day.isoformat() if at.day else None,
        limit=ruling.date.isoformat(),
    )


def ruling_cap(ruling: Ruling, at: JudgedAt, policy: Policy) -> tuple[Status, str]:
    """The most severe status a violation of `ruling` may get under `policy`, and why.

    FAIL when the ruling is in force on the submission's date and the policy enforces it;
    WARN "grandfathered" when the submission predates it; WARN under a policy that does not
    enforce rulings beyond the README's text (the readme policy) when the README is silent.
    """
    if not in_force(ruling, at):
        return Status.WARN, (
            f"grandfathered: submitted {at.describe()}, before the {ruling.id} ruling of {ruling.date.isoformat()}"
        )
    if not ruling.in_readme and policy.rulings_beyond_readme_status is Status.WARN:
        return Status.WARN, f"the README is silent on this; it is the {ruling.id} ruling ({ruling.source})"
    return Status.FAIL, f"the {ruling.id} ruling ({ruling.date.isoformat()}) is in force for this submission"
