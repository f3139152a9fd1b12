"""strict_v1: the pydantic model, the committed JSON Schema, cross-field rules, fixes, validate_file."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pgolf.errors import UsageError
from pgolf.meta.strict import (
    MAX_FILE_BYTES,
    SCHEMA_DIALECT,
    SCHEMA_ID,
    SchemaError,
    SubmissionV1,
    artifact_cap,
    is_placeholder_login,
    semantic_errors,
    suggest_fixes,
    validate_bytes,
    validate_file,
)
from pgolf.ruleset import load_ruleset
from pgolf.schemas import generate, schema_dict

Doc = dict[str, Any]


def valid_doc() -> Doc:
    return {
        "author": "Ada Lovelace",
        "github_id": "ada-l",
        "name": "Tiny run",
        "date": "2026-04-29",
        "track": "10min_16mb",
        "val_bpb": 1.0612,
        "val_loss": 2.3217,
        "bytes_total": 15_951_777,
        "seeds": [42, 314],
        "seed_results": {
            "42": {"val_bpb": 1.0611, "val_loss": 2.3216, "artifact_bytes": 15_951_777, "steps": 4921},
            "314": {"val_bpb": 1.0613, "val_loss": 2.3218, "artifact_bytes": 15_950_000, "train_time_ms": 599_000},
        },
        "bytes_code": 31_385,
        "hardware": "8xH100 80GB SXM",
        "dataset_repo": "willdepueoai/parameter-golf@main",
        "val_tokens": 47_851_520,
        "compliance": {"three_seeds": True},  # unknown keys are allowed
    }


def errors_of(doc: Any) -> list[SchemaError]:
    return validate_bytes(json.dumps(doc).encode())


def pydantic_accepts(doc: Any) -> bool:
    try:
        SubmissionV1.model_validate(doc)
    except ValidationError:
        return False
    return True


def with_(**changes: Any) -> Doc:
    doc = valid_doc()
    doc.update(changes)
    return doc


def without(key: str) -> Doc:
    doc = valid_doc()
    del doc[key]
    return doc


def edit(change: Callable[[Doc], object]) -> Doc:
    doc = valid_doc()
    change(doc)
    return doc


CAP = load_ruleset().tracks["track_10min_16mb"].max_artifact_bytes


# --------------------------------------------------------------------------- the model and the schema


def test_the_valid_doc_passes_everything() -> None:
    doc = valid_doc()
    assert errors_of(doc) == []
    assert semantic_errors(doc) == []
    assert pydantic_accepts(doc)
    assert suggest_fixes(doc) == []


def test_the_schema_is_draft_2020_12_with_an_id_and_the_ruleset_cap() -> None:
    schema = schema_dict("submission")
    assert schema["$schema"] == SCHEMA_DIALECT
    assert schema["$id"] == SCHEMA_ID
    assert schema["title"] and schema["description"]
    assert schema["properties"]["bytes_total"]["maximum"] == CAP == artifact_cap()
    assert schema["$defs"]["SeedResultV1"]["properties"]["artifact_bytes"]["maximum"] == CAP
    assert all(prop.get("description") for prop in schema["properties"].values())


def test_the_committed_schema_matches_the_model() -> None:
    committed = Path(__file__).parents[2] / "pgolf" / "resources" / "schemas" / "submission.schema.json"
    assert committed.read_text("utf-8") == generate("submission")


def test_strict_tracks_resolve_to_distinct_ruleset_tracks() -> None:
    ruleset = load_ruleset()
    enum = schema_dict("submission")["properties"]["track"]["enum"]
    resolved = {t: ruleset.track(t) for t in enum}
    assert all(resolved.values())
    assert len({t.name for t in resolved.values() if t}) == len(enum)


def test_optional_keys_are_not_nullable() -> None:
    schema = schema_dict("submission")
    assert schema["properties"]["bytes_code"] == {
        "description": schema["properties"]["bytes_code"]["description"],
        "minimum": 0,
        "title": "Bytes Code",
        "type": "integer",
    }
    assert [e.pointer for e in errors_of(with_(bytes_code=None))] == ["/bytes_code"]
    assert not pydantic_accepts(with_(bytes_code=None))


FAILING: list[tuple[str, Any, str, str]] = [
    *[
        (f"missing {key}", without(key), "/" + key, "missing required key")
        for key in ("author", "github_id", "name", "date", "val_bpb", "bytes_total", "seed_results")
    ],
    ("empty author", with_(author=""), "/author", "must not be empty or blank"),
    ("blank name", with_(name="   "), "/name", "must not be empty or blank"),
    ("template login", with_(github_id="YOUR_GITHUB_ID"), "/github_id", "not in the required format"),
    ("dotted login", with_(github_id="nesta.midavaine"), "/github_id", "not in the required format"),
    ("double hyphen", with_(github_id="a--b"), "/github_id", "not in the required format"),
    ("trailing hyphen", with_(github_id="ab-"), "/github_id", "not in the required format"),
    ("40-char login", with_(github_id="a" * 40), "/github_id", "not in the required format"),
    ("placeholder", with_(github_id="your-username"), "/github_id", "template placeholder"),
    ("int login", with_(github_id=12345), "/github_id", "expected string"),
    ("slash date", with_(date="29/04/2026"), "/date", "not in the required format"),
    ("impossible date", with_(date="2026-02-30"), "/date", "not a real date"),
    ("hyphen track", with_(track="non-record-16mb"), "/track", "is not one of"),
    ("prefixed track", with_(track="track_10min_16mb"), "/track", "is not one of"),
    ("zero bpb", with_(val_bpb=0), "/val_bpb", "not above 0"),
    ("bpb of 10", with_(val_bpb=10), "/val_bpb", "not below 10"),
    ("string bpb", with_(val_bpb="1.0612"), "/val_bpb", "expected number"),
    ("null bpb", with_(val_bpb=None), "/val_bpb", "expected number, found null"),
    ("boolean loss", with_(val_loss=True), "/val_loss", "expected number"),
    ("over the cap", with_(bytes_total=CAP + 1), "/bytes_total", f"over the maximum {CAP}"),
    ("float size", with_(bytes_total=15.9e6), "/bytes_total", "expected integer"),
    ("empty seeds", with_(seeds=[]), "/seeds", "must not be empty"),
    ("string seeds", with_(seeds=["42", "314"]), "/seeds/0", "expected integer"),
    ("object seeds", with_(seeds={"42": {}, "314": {}}), "/seeds", "expected array"),
    (
        "seed_ keys",
        edit(lambda d: d.update(seed_results={"seed_" + k: v for k, v in d["seed_results"].items()})),
        "/seed_results",
        'keys must be decimal seeds such as "42"; found "seed_42", "seed_314"',
    ),
    ("array results", with_(seed_results=[{"seed": 42}]), "/seed_results", "expected object"),
    (
        "seed over the cap",
        edit(lambda d: d["seed_results"]["42"].update(artifact_bytes=CAP + 1)),
        "/seed_results/42/artifact_bytes",
        "over the maximum",
    ),
    (
        "seed without score",
        edit(lambda d: d["seed_results"]["42"].pop("val_bpb")),
        "/seed_results/42/val_bpb",
        "missing required key",
    ),
    ("zero loss", with_(val_loss=0), "/val_loss", "not above 0"),
    (
        "negative train time",
        edit(lambda d: d["seed_results"]["42"].update(train_time_ms=-1)),
        "/seed_results/42/train_time_ms",
        "below the minimum",
    ),
    ("bad repo", with_(dataset_repo="no-revision"), "/dataset_repo", "not in the required format"),
    ("mean mismatch", with_(val_bpb=1.0614), "/val_bpb", "is not the mean of seed_results"),
    ("seeds differ", with_(seeds=[42, 7]), "/seeds", "no seed_results for [7]; not in seeds: [314]"),
    ("duplicate seed", with_(seeds=[42, 314, 42]), "/seeds", "more than once"),
    ("size not the max", with_(bytes_total=15_000_000), "/bytes_total", "not the max of seed_results"),
    ("top level array", [valid_doc()], "", "expected object"),
]


@pytest.mark.parametrize(("case", "doc", "pointer", "message"), FAILING, ids=[c[0] for c in FAILING])
def test_failing_documents(case: str, doc: Any, pointer: str, message: str) -> None:
    found = errors_of(doc)
    assert any(e.pointer == pointer and message in e.message for e in found), (case, found)
    assert not pydantic_accepts(doc), case


@pytest.mark.parametrize(
    "doc",
    [
        with_(date="2026-04-29T12:00:00Z"),
        with_(date="2026-04-29T12:00:00.123+02:00"),
        with_(date="2026-04-29 12:00"),
        with_(track="non_record_16mb"),
        with_(val_bpb=1.06121),  # within 1e-4 of the mean
        with_(github_id="a"),
        with_(github_id="A-b-C-9"),
        with_(val_loss=2),
        with_(seeds=[314, 42]),
        with_(
            bytes_total=CAP,
            seed_results={"42": {"val_bpb": 1.0612, "val_loss": 2.3, "artifact_bytes": CAP}},
            seeds=[42],
        ),
        edit(lambda d: d["seed_results"]["42"].update(extra_metric=1, log="logs/seed42.log")),
        # only what the leaderboard and the checks read is required (issue 10's schema review)
        *[without(key) for key in ("track", "val_loss", "seeds", "hardware", "bytes_code")],
        edit(lambda d: [d["seed_results"]["42"].pop(k) for k in ("val_loss", "artifact_bytes")]),
    ],
)
def test_passing_documents(doc: Doc) -> None:
    assert errors_of(doc) == []
    assert pydantic_accepts(doc)


def test_errors_are_sorted_and_each_has_a_pointer() -> None:
    doc = with_(github_id="YOUR_GITHUB_ID", track="non-record-16mb", seeds=["42", "314"])
    del doc["bytes_total"]
    found = errors_of(doc)
    assert [e.pointer for e in found] == sorted(e.pointer for e in found)
    assert {e.pointer for e in found} == {"/bytes_total", "/github_id", "/seeds/0", "/seeds/1", "/track"}


@pytest.mark.parametrize(
    "login", ["YOUR_GITHUB_ID", "your_github_username", "your-username", "Username", "TODO", "your-github-handle"]
)
def test_placeholder_logins(login: str) -> None:
    assert is_placeholder_login(login)


@pytest.mark.parametrize("login", ["ada-l", "cocohearts", "yourself42", "usernamed"])
def test_real_logins_are_not_placeholders(login: str) -> None:
    assert not is_placeholder_login(login)


@pytest.mark.parametrize("doc", [None, [], "x", 3, {"seeds": "x", "seed_results": [1], "val_bpb": "1"}])
def test_semantic_errors_tolerate_any_shape(doc: Any) -> None:
    assert semantic_errors(doc) == []


def test_semantic_errors_skip_what_they_cannot_compare() -> None:
    doc = edit(lambda d: d["seed_results"]["42"].update(val_bpb="1.06", artifact_bytes=None))
    assert [e for e in semantic_errors(doc) if e.pointer in ("/val_bpb", "/bytes_total")] == []


# --------------------------------------------------------------------------- fix suggestions


@pytest.mark.parametrize(
    ("doc", "fix"),
    [
        (edit(lambda d: d.update(artifact_bytes=d.pop("bytes_total"))), "rename artifact_bytes -> bytes_total"),
        (edit(lambda d: d.update(mean_val_bpb=d.pop("val_bpb"))), "rename mean_val_bpb -> val_bpb"),
        (edit(lambda d: d.update(results={"val_bpb": d.pop("val_bpb")})), "move results.val_bpb -> val_bpb"),
        (with_(track="non-record-16mb"), 'use track "non_record_16mb" instead of "non-record-16mb"'),
        (with_(track="track_10min_16mb"), 'use track "10min_16mb" instead of "track_10min_16mb"'),
        (without("track"), 'add track: "10min_16mb" or "non_record_16mb"'),
        (with_(seeds=["42", "314"]), "seeds: convert strings to integers"),
        (with_(seeds=42), "seeds: write a list, [42]"),
        (without("seeds"), "add seeds: [42, 314]"),
        (without("val_bpb"), "add val_bpb: 1.06120000 (the mean of seed_results val_bpb)"),
        (without("bytes_total"), "add bytes_total: 15951777"),
        (with_(seed_results=[{"seed": 42}]), "seed_results: write an object keyed by the decimal seed"),
        (
            edit(lambda d: d["seed_results"].update({"seed_7": d["seed_results"].pop("42")})),
            "seed_results: use decimal seed keys ('7' not 'seed_7')",
        ),
        (
            edit(lambda d: d["seed_results"]["42"].update(bytes_total=d["seed_results"]["42"].pop("artifact_bytes"))),
            "seed_results/42: rename bytes_total -> artifact_bytes",
        ),
        (
            edit(lambda d: d["seed_results"]["42"].update(train_time_s=599.1)),
            "seed_results/42: write train_time_ms (train_time_s x 1000)",
        ),
        (with_(val_bpb="1.0612"), 'val_bpb: write the number 1.0612 instead of the string "1.0612"'),
        (with_(github_id=12345), "github_id: write the login as a string"),
        (with_(author={"name": "Ada", "github": "ada-l"}), "author: write the name as a string"),
    ],
)
def test_suggest_fixes(doc: Doc, fix: str) -> None:
    assert any(fix in text for text in suggest_fixes(doc)), suggest_fixes(doc)


def test_fixes_are_attached_to_the_error_they_fix() -> None:
    doc = edit(lambda d: d.update(artifact_bytes=d.pop("bytes_total"), track="non-record-16mb"))
    by_pointer = {e.pointer: e.message for e in errors_of(doc)}
    assert "(fix: rename artifact_bytes -> bytes_total" in by_pointer["/bytes_total"]
    assert "only if it counts code plus model bytes" in by_pointer["/bytes_total"]
    assert '(fix: use track "non_record_16mb"' in by_pointer["/track"]


def test_a_fix_is_attached_once() -> None:
    found = errors_of(with_(seeds=["42", "314"]))
    assert sum("convert strings to integers" in e.message for e in found) == 1


def test_a_rename_beats_a_recomputed_value() -> None:
    fixes = suggest_fixes(edit(lambda d: d.update(mean_val_bpb=d.pop("val_bpb"))))
    assert not any(f.startswith("add val_bpb") for f in fixes)


@pytest.mark.parametrize("doc", [None, [1], "x", {"seeds": {"x": 1}, "seed_results": {"a": [1]}}])
def test_suggest_fixes_tolerates_any_shape(doc: Any) -> None:
    assert isinstance(suggest_fixes(doc), list)


# --------------------------------------------------------------------------- validate_file on bad input


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "submission.json"
    path.write_bytes(data)
    return path


def test_validate_file_on_a_valid_file(tmp_path: Path) -> None:
    assert validate_file(write(tmp_path, json.dumps(valid_doc(), indent=2).encode())) == []


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        validate_file(tmp_path / "nope.json")


def test_a_directory(tmp_path: Path) -> None:
    assert validate_file(tmp_path) == [SchemaError(pointer="", message="is a directory, not a submission.json file")]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_an_unreadable_file_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path, b"{}")
    path.chmod(0)
    try:
        with pytest.raises(UsageError, match="cannot read"):
            validate_file(path)
    finally:
        path.chmod(0o600)


def test_malformed_json_gives_line_and_column(tmp_path: Path) -> None:
    found = validate_file(write(tmp_path, b'{\n  "a": 1,\n  "b": 2\n    "c": 3\n}'))
    assert found == [SchemaError(pointer="", message="invalid JSON at line 4 column 5: Expecting ',' delimiter")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01\x02binary\xff", "not UTF-8 text"),
        (b'{"author": "\xe9"}', "not UTF-8 text (bad byte at offset 12)"),
        (b"", "invalid JSON at line 1 column 1"),
        (b'{"val_bpb": NaN}', "NaN is not a JSON number"),
        (b'{"val_bpb": -Infinity}', "-Infinity is not a JSON number"),
        (b"[" * 100_000, "invalid JSON"),
        (b'{"a": ' + b"1" * 5000 + b"}", "invalid JSON"),
    ],
)
def test_undecodable_input_is_one_error_not_a_traceback(tmp_path: Path, data: bytes, message: str) -> None:
    found = validate_file(write(tmp_path, data))
    assert len(found) == 1
    assert found[0].pointer == ""
    assert message in found[0].message


def test_a_bom_is_an_error_and_the_rest_is_still_validated(tmp_path: Path) -> None:
    doc = valid_doc()
    del doc["name"]
    found = validate_file(write(tmp_path, b"\xef\xbb\xbf" + json.dumps(doc).encode()))
    assert found[0] == SchemaError(pointer="", message="the file starts with a UTF-8 BOM; save it without one")
    assert [e.pointer for e in found[1:]] == ["/name"]


def test_duplicate_keys_are_errors(tmp_path: Path) -> None:
    text = json.dumps(valid_doc())[:-1] + ', "val_bpb": 1.0612}'
    assert validate_file(write(tmp_path, text.encode())) == [SchemaError(pointer="", message='duplicate key "val_bpb"')]


def test_an_oversized_file(tmp_path: Path) -> None:
    found = validate_file(write(tmp_path, b" " * (MAX_FILE_BYTES + 1)))
    assert len(found) == 1 and "not a submission.json" in found[0].message


def test_validate_does_not_change_its_input() -> None:
    doc = with_(seeds=["42"], track="non-record")
    before = copy.deepcopy(doc)
    errors_of(doc)
    suggest_fixes(doc)
    semantic_errors(doc)
    assert doc == before


def test_a_placeholder_login_is_one_error_with_a_fix() -> None:
    found = [e for e in errors_of(with_(github_id="YOUR_GITHUB_ID")) if e.pointer == "/github_id"]
    assert len(found) == 1
    assert "replace the template placeholder" in found[0].message
