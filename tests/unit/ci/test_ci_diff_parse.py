"""Parsing git's NUL-separated output (recorded bytes; no git process in unit tests)."""

from __future__ import annotations

from pgolf.ci.diff import Change, TreeEntry, parse_ls_tree, parse_name_status


def test_name_status_with_renames_copies_and_awkward_names() -> None:
    raw = (
        b"A\0records/t/New Run \xc3\xbc/README.md\0"
        b"M\0README.md\0"
        b"D\0old file.txt\0"
        b"R097\0records/t/a/x.log\0records/t/b/x.log\0"
        b"C100\0a.py\0records/t/b/a.py\0"
        b"T\0link\0"
        b"A\0line\nbreak, and: colon\0"
    )

    assert parse_name_status(raw) == [
        Change("A", "records/t/New Run ü/README.md"),
        Change("M", "README.md"),
        Change("D", "old file.txt"),
        Change("R", "records/t/b/x.log", old_path="records/t/a/x.log"),
        Change("C", "records/t/b/a.py", old_path="a.py"),
        Change("T", "link"),
        Change("A", "line\nbreak, and: colon"),
    ]


def test_name_status_keeps_non_utf8_bytes_as_surrogate_escapes() -> None:
    (change,) = parse_name_status(b"A\0bad\xff.txt\0")

    assert change.path == "bad\udcff.txt"
    assert change.path.encode("utf-8", "surrogateescape") == b"bad\xff.txt"


def test_empty_diff() -> None:
    assert parse_name_status(b"") == []


def test_ls_tree_long_format() -> None:
    raw = (
        b"100644 blob 1111111111111111111111111111111111111111     120\trecords/t/f/README.md\0"
        b"100755 blob 2222222222222222222222222222222222222222 15951777\trecords/t/f/run me.sh\0"
        b"120000 blob 3333333333333333333333333333333333333333      12\trecords/t/f/link\0"
        b"160000 commit 4444444444444444444444444444444444444444       -\trecords/t/f/sub\0"
    )

    assert parse_ls_tree(raw) == [
        TreeEntry("records/t/f/README.md", "100644", "blob", "1" * 40, 120),
        TreeEntry("records/t/f/run me.sh", "100755", "blob", "2" * 40, 15951777),
        TreeEntry("records/t/f/link", "120000", "blob", "3" * 40, 12),
        TreeEntry("records/t/f/sub", "160000", "commit", "4" * 40, None),
    ]
