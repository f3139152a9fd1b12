"""JSON pointer -> line, so schema errors become line annotations; and PG003 on a folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checks.fixture_kit import submission_json
from pgolf.ci.schema import line_for, pointer_lines, schema_result
from pgolf.findings import Status

DOC = """\
{
  "author": "A",
  "seed_results": {
    "42": {"val_bpb": 1.06,
           "val_loss": 2.3},
    "a/b~c": 1
  },
  "seeds": [
    42,
    [7, {"x": null}]
  ],
  "e": {}, "f": []
}
"""


def test_every_pointer_gets_the_line_of_its_key_or_item() -> None:
    assert pointer_lines(DOC) == {
        "": 1,
        "/author": 2,
        "/seed_results": 3,
        "/seed_results/42": 4,
        "/seed_results/42/val_bpb": 4,
        "/seed_results/42/val_loss": 5,
        "/seed_results/a~1b~0c": 6,
        "/seeds": 8,
        "/seeds/0": 9,
        "/seeds/1": 10,
        "/seeds/1/0": 10,
        "/seeds/1/1": 10,
        "/seeds/1/1/x": 10,
        "/e": 12,
        "/f": 12,
    }


@pytest.mark.parametrize(
    ("pointer", "line"),
    [
        ("/seed_results/42/val_loss", 5),
        ("/seed_results/42/artifact_bytes", 4),  # missing key: the object that lacks it
        ("/github_id", 1),  # missing at the top: the document
        ("", 1),
        ("not-a-pointer", 1),
    ],
)
def test_line_for_falls_back_to_the_nearest_ancestor(pointer: str, line: int) -> None:
    assert line_for(DOC, pointer) == line


def test_duplicate_keys_point_at_the_last_one_as_json_loads_reads_it() -> None:
    assert pointer_lines('{"a": 1,\n "a": 2}')["/a"] == 2


def test_bom_is_skipped() -> None:
    assert pointer_lines('\ufeff{\n"a": 1}') == {"": 1, "/a": 2}


def test_broken_json_points_at_the_syntax_error() -> None:
    text = '{\n  "a": 1,\n  "b": \n}\n'
    assert pointer_lines(text) == {}
    assert line_for(text, "") == 4


def _folder(tmp_path: Path, text: str | None) -> Path:
    folder = tmp_path / "records" / "track_10min_16mb" / "f"
    folder.mkdir(parents=True)
    if text is not None:
        (folder / "submission.json").write_text(text, encoding="utf-8")
    return folder


def test_schema_result_passes_a_valid_file(tmp_path: Path) -> None:
    result = schema_result(_folder(tmp_path, submission_json()))

    assert (result.code, result.status, result.evidence) == ("PG003", Status.PASS, [])


def test_schema_result_locates_each_error(tmp_path: Path) -> None:
    doc = json.loads(submission_json())
    doc["bytes_total"] = "big"
    text = json.dumps(doc, indent=2)
    bytes_line = next(i for i, ln in enumerate(text.splitlines(), 1) if '"bytes_total"' in ln)

    result = schema_result(_folder(tmp_path, text))

    assert result.status is Status.FAIL
    located = [(e.location.path, e.location.json_pointer, e.location.line) for e in result.evidence]
    assert ("submission.json", "/bytes_total", bytes_line) in located
    assert all(e.note.startswith(f"at {e.location.json_pointer}: ") for e in result.evidence)


def test_schema_result_without_a_file(tmp_path: Path) -> None:
    result = schema_result(_folder(tmp_path, None), shown_as="records/track_10min_16mb/f")

    assert result.status is Status.FAIL
    assert result.message == (
        "the folder has no submission.json (REQUIRED-FILES asks for one); "
        "`pgolf submission init records/track_10min_16mb/f` writes one from the logs"
    )


def test_unknown_keys_warn_and_never_fail(tmp_path: Path) -> None:
    doc = json.loads(submission_json())
    doc["compliance"] = {"three_seeds": True}
    doc["seed_results"]["42"]["step_avg_ms"] = 83.6

    result = schema_result(_folder(tmp_path, json.dumps(doc)), shown_as="records/track_10min_16mb/f")

    assert result.status is Status.WARN
    (ev,) = result.evidence
    assert ev.note.startswith(
        "keys the schema does not define (allowed; check the spelling of each): /compliance, "
        "/seed_results/42/step_avg_ms; `pgolf submission fix records/track_10min_16mb/f`"
    )


def test_a_file_that_is_not_json_points_at_init(tmp_path: Path) -> None:
    result = schema_result(_folder(tmp_path, "json{"), shown_as="records/track_10min_16mb/f")

    assert result.status is Status.FAIL
    assert result.evidence[0].note.endswith(
        "; repair it by hand, or move it aside and run `pgolf submission init records/track_10min_16mb/f`"
    )
