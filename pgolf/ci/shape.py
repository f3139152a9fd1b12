"""Pure: a PR's list of changes -> its one new submission folder, or findings saying why not.

RULES.md REQUIRED-FILES: the PR "only adds a new folder to the appropriate /records subfolder".
A path is judged by where it sits: outside `records/<track>/<folder>/` (PG001), under a track
the ruleset does not know (PG004), inside a folder that already exists at base (PG005), or inside
a new folder (which must then be the only one: PG002; and there must be one: PG006).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from enum import Enum

from pgolf.ci.diff import ADDED, COPIED, RENAMED, Change
from pgolf.ci.rules import EXISTING, NO_FOLDER, OUTSIDE, SEVERAL, UNKNOWN_TRACK
from pgolf.findings import CheckResult, Evidence, Location, Status

RECORDS = "records"
_VERB = {"A": "added", "M": "modified", "D": "deleted", "T": "type changed", "C": "copied", "R": "renamed"}


class Where(Enum):
    OUTSIDE = "outside"
    UNKNOWN_TRACK = "unknown-track"
    FOLDER = "folder"


def folder_of(path: str) -> str | None:
    """`records/<track>/<folder>` for a path inside a submission folder, else None."""
    parts = path.split("/")
    if len(parts) < 4 or parts[0] != RECORDS or not all(parts[:3]) or {".", ".."} & set(parts[:3]):
        return None  # `.` and `..` come only from crafted trees: such a path is in no folder
    return "/".join(parts[:3])


def locate(path: str, tracks: Collection[str]) -> Where:
    folder = folder_of(path)
    if folder is None:
        return Where.OUTSIDE
    return Where.FOLDER if folder.split("/")[1] in tracks else Where.UNKNOWN_TRACK


@dataclass(frozen=True)
class Touch:
    """One path a change touches, with what happened to it (a rename touches two paths)."""

    path: str
    added: bool  # the path comes into being in head (A, C, the new side of R)
    note: str


def touches(change: Change) -> list[Touch]:
    verb = _VERB.get(change.status, f"changed ({change.status})")
    if change.status == RENAMED and change.old_path is not None:
        return [
            Touch(change.old_path, False, f"renamed to {change.path}"),
            Touch(change.path, True, f"renamed from {change.old_path}"),
        ]
    if change.status == COPIED and change.old_path is not None:
        return [Touch(change.path, True, f"copied from {change.old_path}")]
    return [Touch(change.path, change.status == ADDED, verb)]


@dataclass
class _Sorted:
    outside: list[Evidence] = field(default_factory=list)
    unknown: list[Evidence] = field(default_factory=list)
    existing: list[Evidence] = field(default_factory=list)
    new_folders: set[str] = field(default_factory=set)


def _ev(path: str, note: str) -> Evidence:
    return Evidence(location=Location(path=path), note=note)


def _sort(changes: Sequence[Change], tracks: Collection[str], existing: Collection[str]) -> _Sorted:
    out = _Sorted()
    for change in changes:
        for t in touches(change):
            where = locate(t.path, tracks)
            folder = folder_of(t.path) or ""
            if where is Where.OUTSIDE:
                out.outside.append(_ev(t.path, f"{t.note} outside any records/<track>/<folder>/"))
            elif where is Where.UNKNOWN_TRACK:
                track_dir = "/".join(t.path.split("/")[:2])
                out.unknown.append(_ev(t.path, f"{t.note} under unknown track {track_dir}/"))
            elif folder in existing or not t.added:
                # a non-addition inside records/ means the file existed before this PR
                out.existing.append(_ev(t.path, f"{t.note} in existing record {folder}/"))
            else:
                out.new_folders.add(folder)
    return out


def _results(s: _Sorted, tracks: Collection[str], n_changes: int) -> list[CheckResult]:
    known = ", ".join(f"{RECORDS}/{t}/" for t in sorted(tracks))
    folders = sorted(s.new_folders)
    fail, ok = Status.FAIL, Status.PASS
    results = [
        OUTSIDE.result(
            fail,
            f"the PR changes {len(s.outside)} path(s) outside its submission folder; "
            "a submission PR only adds files under records/<track>/<folder>/",
            s.outside,
        )
        if s.outside
        else OUTSIDE.result(ok, "every changed path is inside records/<track>/<folder>/"),
        SEVERAL.result(
            fail,
            f"the PR adds {len(folders)} submission folders; one PR adds exactly one",
            [_ev(f, "new submission folder") for f in folders],
        )
        if len(folders) > 1
        else SEVERAL.result(ok, "the PR adds no more than one submission folder"),
        UNKNOWN_TRACK.result(
            fail, f"the PR adds {len(s.unknown)} path(s) under an unknown track; known: {known}", s.unknown
        )
        if s.unknown
        else UNKNOWN_TRACK.result(ok, f"every records/ path is under a known track ({known})"),
        EXISTING.result(
            fail,
            f"the PR changes {len(s.existing)} file(s) of existing records; a submission PR only adds a new folder",
            s.existing,
        )
        if s.existing
        else EXISTING.result(ok, "no existing record is changed"),
    ]
    if folders:
        results.append(NO_FOLDER.result(ok, "new submission folder(s): " + ", ".join(folders)))
    elif n_changes == 0:
        results.append(NO_FOLDER.result(fail, "the PR changes nothing between its merge base and head"))
    else:
        results.append(NO_FOLDER.result(fail, f"the PR adds no new folder under {known}"))
    return results


@dataclass(frozen=True)
class Shape:
    folders: tuple[str, ...]  # new submission folders, repo-relative, sorted
    results: tuple[CheckResult, ...]  # PG001, PG002, PG004, PG005, PG006 in that order

    @property
    def ok(self) -> bool:
        return all(r.status is Status.PASS for r in self.results)


def analyse(changes: Sequence[Change], tracks: Collection[str], existing: Collection[str]) -> Shape:
    """Judge the PR's shape. `tracks`: track folder names; `existing`: folders present before the PR."""
    sorted_ = _sort(changes, tracks, existing)
    return Shape(tuple(sorted(sorted_.new_folders)), tuple(_results(sorted_, tracks, len(changes))))


def touched_tracks(changes: Sequence[Change], tracks: Collection[str]) -> set[str]:
    """Known tracks with a touched folder: the gate lists only these at base to learn what exists."""
    return {t.path.split("/")[1] for c in changes for t in touches(c) if locate(t.path, tracks) is Where.FOLDER}
