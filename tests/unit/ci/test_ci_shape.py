"""shape.analyse: a PR's changes -> its one new folder, or the REQUIRED-FILES findings (pure)."""

from __future__ import annotations

import pytest

from pgolf.ci.diff import Change
from pgolf.ci.shape import Shape, Where, analyse, folder_of, locate, touched_tracks
from pgolf.findings import Status

TRACKS = ("track_10min_16mb", "track_non_record_16mb")
T = "records/track_10min_16mb"
NEW = f"{T}/2026-04-29_New Run ü"
OLD = f"{T}/2026-03-20_Baseline"


def _added(*paths: str) -> list[Change]:
    return [Change("A", p) for p in paths]


def _by_code(shape: Shape) -> dict[str, tuple[Status, list[str | None], list[str]]]:
    return {
        r.code: (r.status, [e.location.path for e in r.evidence], [e.note for e in r.evidence]) for r in shape.results
    }


def test_one_new_folder_is_the_submission() -> None:
    shape = analyse(_added(f"{NEW}/README.md", f"{NEW}/submission.json", f"{NEW}/logs/seed 42.log"), TRACKS, {OLD})

    assert shape.folders == (NEW,)
    assert shape.ok
    assert [r.code for r in shape.results] == ["PG001", "PG002", "PG004", "PG005", "PG006"]
    assert shape.results[-1].message == f"new submission folder(s): {NEW}"


def test_files_outside_records_each_get_evidence() -> None:
    changes = [*_added(f"{NEW}/README.md", ".github/workflows/x.yml"), Change("M", "README.md")]
    changes.append(Change("D", "records/README.md"))

    found = _by_code(analyse(changes, TRACKS, {OLD}))

    status, paths, notes = found["PG001"]
    assert status is Status.FAIL
    assert paths == [".github/workflows/x.yml", "README.md", "records/README.md"]
    assert notes == [
        "added outside any records/<track>/<folder>/",
        "modified outside any records/<track>/<folder>/",
        "deleted outside any records/<track>/<folder>/",
    ]
    assert found["PG006"][0] is Status.PASS  # the folder is still found, and checked


def test_a_file_loose_in_a_track_folder_is_outside_any_submission() -> None:
    found = _by_code(analyse(_added(f"{T}/notes.md", f"{NEW}/README.md"), TRACKS, set()))

    assert found["PG001"][:2] == (Status.FAIL, [f"{T}/notes.md"])


def test_two_new_folders() -> None:
    other = f"{T}/2026-04-30_Other"
    shape = analyse(_added(f"{other}/a.py", f"{NEW}/README.md", f"{other}/b.log"), TRACKS, set())

    assert shape.folders == tuple(sorted((NEW, other)))
    status, paths, notes = _by_code(shape)["PG002"]
    assert status is Status.FAIL
    assert paths == sorted([NEW, other])
    assert notes == ["new submission folder"] * 2


def test_unknown_track() -> None:
    shape = analyse(_added("records/track_1min/x/README.md"), TRACKS, set())

    found = _by_code(shape)
    assert found["PG004"] == (
        Status.FAIL,
        ["records/track_1min/x/README.md"],
        ["added under unknown track records/track_1min/"],
    )
    assert found["PG006"][0] is Status.FAIL
    assert shape.folders == ()


@pytest.mark.parametrize(
    ("change", "paths", "notes"),
    [
        (Change("M", f"{OLD}/README.md"), [f"{OLD}/README.md"], ["modified"]),
        (Change("D", f"{OLD}/train.log"), [f"{OLD}/train.log"], ["deleted"]),
        (Change("T", f"{OLD}/train_gpt.py"), [f"{OLD}/train_gpt.py"], ["type changed"]),
        # adding a file to a folder that exists at base is changing an existing record too
        (Change("A", f"{OLD}/extra.log"), [f"{OLD}/extra.log"], ["added"]),
    ],
)
def test_changes_to_an_existing_record(change: Change, paths: list[str], notes: list[str]) -> None:
    found = _by_code(analyse([change], TRACKS, {OLD}))

    assert found["PG005"] == (Status.FAIL, paths, [f"{n} in existing record {OLD}/" for n in notes])
    assert found["PG006"][0] is Status.FAIL


def test_a_rename_out_of_an_existing_record_touches_both_sides() -> None:
    shape = analyse([Change("R", f"{NEW}/train.log", old_path=f"{OLD}/train.log")], TRACKS, {OLD})

    found = _by_code(shape)
    assert found["PG005"] == (
        Status.FAIL,
        [f"{OLD}/train.log"],
        [f"renamed to {NEW}/train.log in existing record {OLD}/"],
    )
    assert shape.folders == (NEW,)  # the new side still makes a new folder


def test_a_copy_only_adds() -> None:
    shape = analyse([Change("C", f"{NEW}/train_gpt.py", old_path=f"{OLD}/train_gpt.py")], TRACKS, {OLD})

    assert shape.ok
    assert shape.folders == (NEW,)


def test_empty_change() -> None:
    found = _by_code(analyse([], TRACKS, set()))

    assert found["PG006"] == (Status.FAIL, [], [])
    assert {code: s for code, (s, _, _) in found.items() if code != "PG006"} == {
        "PG001": Status.PASS,
        "PG002": Status.PASS,
        "PG004": Status.PASS,
        "PG005": Status.PASS,
    }


def test_only_changes_outside_records_add_no_submission() -> None:
    shape = analyse([Change("M", "README.md")], TRACKS, set())

    result = shape.results[-1]
    assert (result.code, result.status) == ("PG006", Status.FAIL)
    assert result.message == (
        "the PR adds no new folder under records/track_10min_16mb/, records/track_non_record_16mb/"
    )


def test_evidence_is_capped() -> None:
    shape = analyse(_added(*(f"docs/{i}.md" for i in range(60))), TRACKS, set())

    evidence = shape.results[0].evidence
    assert len(evidence) == 51
    assert evidence[-1].note == "... and 10 more"
    assert evidence[-1].location.path is None


@pytest.mark.parametrize(
    ("path", "folder", "where"),
    [
        (f"{NEW}/README.md", NEW, Where.FOLDER),
        (f"{NEW}/deep/er/x.py", NEW, Where.FOLDER),
        (f"{T}/README.md", None, Where.OUTSIDE),
        ("records/README.md", None, Where.OUTSIDE),
        ("README.md", None, Where.OUTSIDE),
        ("recordsX/track_10min_16mb/a/b", None, Where.OUTSIDE),
        ("records/track_x/a/b", "records/track_x/a", Where.UNKNOWN_TRACK),
    ],
)
def test_locate(path: str, folder: str | None, where: Where) -> None:
    assert folder_of(path) == folder
    assert locate(path, TRACKS) is where


def test_touched_tracks_lists_only_known_tracks_with_folders() -> None:
    changes = [
        *_added(f"{NEW}/a", "records/track_x/f/a", "README.md"),
        Change("R", "records/track_non_record_16mb/n/a", old_path="docs/a"),
    ]

    assert touched_tracks(changes, TRACKS) == {"track_10min_16mb", "track_non_record_16mb"}
