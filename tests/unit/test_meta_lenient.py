"""The lenient submission.json reader on every shape ENVIRONMENT.md §4 saw in the wild."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pgolf.folder import load_folder
from pgolf.meta import pointers
from pgolf.meta.lenient import (
    KNOWN_KEYS,
    MAX_JSON_BYTES,
    STRICT_ONLY_KEYS,
    SizeBasis,
    read_meta_bytes,
    read_submission_json,
    size_basis,
)
from pgolf.meta.model import Claimed, MetaReadResult, SubmissionMeta
from pgolf.meta.strict import SubmissionV1


def read(doc: Any) -> MetaReadResult:
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    return read_meta_bytes(data, "submission.json")


def meta_of(doc: Any) -> SubmissionMeta:
    result = read(doc)
    assert result.meta is not None, result.problems
    return result.meta


def actions(meta: SubmissionMeta) -> list[str]:
    return [r.action for r in meta.repairs]


def problem_text(result: MetaReadResult) -> str:
    return " | ".join(f"{p.pointer}: {p.message}" for p in result.problems)


def claims(meta: SubmissionMeta) -> list[Claimed[Any]]:
    """Every Claimed value in a SubmissionMeta, headline and per-seed."""
    found: list[Claimed[Any]] = [v for v in dict(meta).values() if isinstance(v, Claimed)]
    found += meta.seeds
    for seed in meta.seed_results.values():
        found += [v for v in dict(seed).values() if isinstance(v, Claimed)]
    return found


BASE: dict[str, Any] = {
    "author": "Ada Lovelace",
    "github_id": "ada-l",
    "name": "Tiny run",
    "date": "2026-04-29",
    "track": "10min_16mb",
    "val_bpb": 1.0612,
    "val_loss": 2.3217,
    "bytes_total": 15_951_777,
    "bytes_code": 31_385,
    "seeds": [42, 314],
    "seed_results": {
        "42": {"val_bpb": 1.0611, "val_loss": 2.3216, "artifact_bytes": 15_951_777, "steps": 4921},
        "314": {"val_bpb": 1.0613, "val_loss": 2.3218, "artifact_bytes": 15_950_000, "log": "train_seed314.log"},
    },
}


# --------------------------------------------------------------------------- decoding and parsing


def test_a_clean_file_reads_without_repairs_or_problems() -> None:
    result = read(BASE)
    assert result.problems == []
    assert result.meta is not None
    meta = result.meta
    assert meta.repairs == []
    assert meta.val_bpb == Claimed(value=1.0612, pointer="/val_bpb")
    assert meta.bytes_total is not None and meta.bytes_total.value == 15_951_777
    assert [s.value for s in meta.seeds] == [42, 314]
    assert meta.seed_results[42].val_bpb == Claimed(value=1.0611, pointer="/seed_results/42/val_bpb")
    assert meta.seed_results[314].log is not None and meta.seed_results[314].log.value == "train_seed314.log"
    assert meta.seed_results[42].steps is not None and meta.seed_results[42].steps.value == 4921
    assert meta.unknown_keys == []
    assert size_basis(meta) is SizeBasis.TOTAL


def test_utf8_bom_is_stripped_and_recorded() -> None:
    result = read(b"\xef\xbb\xbf" + json.dumps(BASE).encode())
    assert result.meta is not None and result.meta.val_bpb is not None
    assert result.problems == []
    assert any(r.pointer == "" and "BOM" in r.action for r in result.meta.repairs)


def test_invalid_utf8_is_a_problem_and_the_rest_is_still_read() -> None:
    data = json.dumps({**BASE, "blurb": "XX"}).encode().replace(b"XX", b"\xff\xfe")
    result = read(data)
    assert result.meta is not None and result.meta.val_bpb is not None
    assert "invalid UTF-8 at byte" in problem_text(result)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{\n  "val_bpb": 1.1\n  "author": "x"\n}', 3),  # a missing comma
        ('{\n  "val_bpb": 1.1,\n}', 3),  # a trailing comma
        ('{"val_bpb": 1.1, "name": "unterminated', 1),
        ('json{"val_bpb": 1.1}', 1),
        ('{"val_bpb": 1.1}\n{"val_bpb": 1.2}', 2),  # extra data after the object
        ("cat > submission.json <<'EOF'\n{}\nEOF", 1),
    ],
)
def test_malformed_json_gives_no_meta_and_a_line_number(text: str, line: int) -> None:
    result = read(text.encode())
    assert result.meta is None
    assert len(result.problems) == 1
    assert result.problems[0].line == line
    assert result.problems[0].message.startswith(f"invalid JSON at line {line} column ")


def test_empty_file_is_a_problem() -> None:
    result = read(b"  \n")
    assert result.meta is None
    assert "empty" in problem_text(result)


@pytest.mark.parametrize("doc", [[1, 2], "submission", 3.5, None, [], [{"a": 1}, {"b": 2}]])
def test_top_level_that_is_not_an_object(doc: Any) -> None:
    result = read(doc)
    assert result.meta is None
    assert "not a JSON object" in problem_text(result)


def test_a_one_element_array_around_the_object_is_unwrapped() -> None:
    meta = meta_of([BASE])
    assert meta.val_bpb is not None and meta.val_bpb.pointer == "/val_bpb"
    assert any(r.pointer == "/0" for r in meta.repairs)


def test_deep_nesting_and_huge_numbers_are_problems_not_crashes() -> None:
    deep = read(b"[" * 100_000 + b"]" * 100_000)
    assert deep.meta is None and deep.problems
    huge = read(b'{"val_bpb": ' + b"9" * 5000 + b"}")
    assert huge.meta is None and "unreadable JSON" in problem_text(huge)


def test_duplicate_keys_are_reported() -> None:
    result = read(b'{"val_bpb": 1.2, "val_bpb": 1.1}')
    assert result.meta is not None and result.meta.val_bpb is not None
    assert result.meta.val_bpb.value == 1.1
    assert 'duplicate key "val_bpb"' in problem_text(result)


# --------------------------------------------------------------------------- the score


@pytest.mark.parametrize(
    ("value", "expected", "repaired"),
    [(1.2243657, 1.2243657, False), (1, 1.0, False), ("1.3379", 1.3379, True), (" 1.5e0 ", 1.5, True)],
)
def test_val_bpb_numbers_and_numeric_strings(value: Any, expected: float, repaired: bool) -> None:
    meta = meta_of({"val_bpb": value})
    assert meta.val_bpb == Claimed(value=expected, pointer="/val_bpb")
    assert any("numeric string" in a for a in actions(meta)) is repaired


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "null"),
        ("pending", '"pending" is not a number'),
        ("TBD", "is not a number"),
        ("1.2930 (1xH100) / 5.04 (hybrid)", "is not a number"),
        (True, "expected a number"),
        ([1.1, 1.2], "expected a number"),
        ("nan", "is not a number"),
    ],
)
def test_unusable_val_bpb_is_a_problem(value: Any, message: str) -> None:
    result = read({"val_bpb": value, "author": "x"})
    assert result.meta is not None
    assert result.meta.val_bpb is None
    assert any(p.pointer == "/val_bpb" and message in p.message for p in result.problems)


def test_non_finite_numbers_are_problems() -> None:
    result = read(b'{"val_bpb": NaN, "val_loss": Infinity}')
    assert result.meta is not None and result.meta.val_bpb is None and result.meta.val_loss is None
    assert "not a finite number" in problem_text(result)


@pytest.mark.parametrize(
    ("doc", "pointer"),
    [
        ({"mean_val_bpb": 1.17}, "/mean_val_bpb"),
        ({"val_bpb_mean": 1.17}, "/val_bpb_mean"),
        ({"val_bpb_3seed_mean": 1.17}, "/val_bpb_3seed_mean"),
        ({"results": {"mean_val_bpb": 1.17}}, "/results/mean_val_bpb"),
        ({"results": {"val_bpb": 1.17}}, "/results/val_bpb"),
        ({"val_bpb": None, "mean_val_bpb": 1.17}, "/mean_val_bpb"),
        ({"val_bpb": "pending", "val_bpb_mean": "1.17"}, "/val_bpb_mean"),
        ({"val_bpb": {"mean": 1.17, "std": 0.001}}, "/val_bpb/mean"),
    ],
)
def test_val_bpb_aliases(doc: dict[str, Any], pointer: str) -> None:
    meta = meta_of(doc)
    assert meta.val_bpb == Claimed(value=1.17, pointer=pointer)
    assert any(r.pointer == pointer and "alias" in r.action for r in meta.repairs)


def test_val_bpb_as_an_object_of_per_seed_values() -> None:
    meta = meta_of({"val_bpb": {"42": 1.93, "1337": 1.95}})
    assert meta.val_bpb is not None and meta.val_bpb.pointer == "/val_bpb"
    assert meta.val_bpb.value == pytest.approx(1.94)
    assert meta.seed_results[42].val_bpb == Claimed(value=1.93, pointer="/val_bpb/42")
    assert sorted(s.value for s in meta.seeds) == [42, 1337]
    assert any("headline is their mean" in a for a in actions(meta))


def test_only_val_loss_present() -> None:
    result = read({"val_loss": 1.14276, "author": "x"})
    assert result.meta is not None
    assert result.meta.val_bpb is None
    assert result.meta.val_loss == Claimed(value=1.14276, pointer="/val_loss")
    assert "only val_loss is given" in problem_text(result)


def test_val_loss_and_std_aliases() -> None:
    meta = meta_of({"val_bpb": 1.1, "mean_val_loss": 1.98, "std_val_bpb": 0.0004})
    assert meta.val_loss == Claimed(value=1.98, pointer="/mean_val_loss")
    assert meta.val_bpb_std == Claimed(value=0.0004, pointer="/std_val_bpb")


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize(
    ("key", "basis"),
    [
        ("bytes_total", SizeBasis.TOTAL),
        ("total_submission_bytes_max", SizeBasis.TOTAL),
        ("bytes_total_max", SizeBasis.TOTAL),
        ("artifact_bytes_max", SizeBasis.MAYBE_MODEL_ONLY),
        ("artifact_bytes", SizeBasis.MAYBE_MODEL_ONLY),
        ("total_bytes", SizeBasis.MAYBE_MODEL_ONLY),
        ("artifact_size_bytes", SizeBasis.MAYBE_MODEL_ONLY),
        ("artifact_size", SizeBasis.MAYBE_MODEL_ONLY),
        ("artifact_bytes_mean", SizeBasis.MEAN),
    ],
)
def test_size_aliases_record_the_key_they_came_from(key: str, basis: SizeBasis) -> None:
    meta = meta_of({"val_bpb": 1.1, key: 15_000_000})
    assert meta.bytes_total == Claimed(value=15_000_000, pointer="/" + key)
    assert size_basis(meta) is basis
    if key != "bytes_total":
        assert any(r.pointer == "/" + key and key in r.action for r in meta.repairs)
    if basis is SizeBasis.MAYBE_MODEL_ONLY:
        assert any("model bytes only" in a for a in actions(meta))


def test_model_bytes_plus_code_bytes_are_summed() -> None:
    meta = meta_of({"bytes_model_int8_zlib": 15_800_000, "bytes_code": 47_000})
    assert meta.bytes_total == Claimed(value=15_847_000, pointer="/bytes_model_int8_zlib")
    assert meta.bytes_code == Claimed(value=47_000, pointer="/bytes_code")
    assert size_basis(meta) is SizeBasis.MODEL_PLUS_CODE
    assert any("model plus code" in a for a in actions(meta))


def test_model_bytes_alone_are_marked_model_only() -> None:
    meta = meta_of({"bytes_model_int6_zstd": 15_800_000})
    assert meta.bytes_total is not None and meta.bytes_total.value == 15_800_000
    assert size_basis(meta) is SizeBasis.MODEL_ONLY


def test_size_from_the_largest_seed_when_no_headline_size() -> None:
    meta = meta_of({"seed_results": {"1": {"artifact_bytes": 10}, "2": {"bytes_total": 30}, "3": {"total_bytes": 20}}})
    assert meta.bytes_total == Claimed(value=30, pointer="/seed_results/2/bytes_total")
    assert size_basis(meta) is SizeBasis.SEED_MAX


def test_per_seed_sizes_beat_a_mean() -> None:
    meta = meta_of({"bytes_total_mean": 15882569.3333, "seeds": {"1": {"bytes_total": 15_900_000}}})
    assert meta.bytes_total is not None and meta.bytes_total.value == 15_900_000


def test_a_fractional_mean_is_rounded_up() -> None:
    meta = meta_of({"bytes_total_mean": 15882569.3333})
    assert meta.bytes_total == Claimed(value=15_882_570, pointer="/bytes_total_mean")
    assert size_basis(meta) is SizeBasis.MEAN


def test_nested_artifact_size_object() -> None:
    meta = meta_of({"artifact_size": {"code_bytes": 18550, "max_observed_total_bytes": 15999393}})
    assert meta.bytes_total == Claimed(value=15999393, pointer="/artifact_size/max_observed_total_bytes")
    assert meta.bytes_code == Claimed(value=18550, pointer="/artifact_size/code_bytes")
    assert size_basis(meta) is SizeBasis.TOTAL


@pytest.mark.parametrize(
    ("value", "expected"),
    [("15998290", 15998290), ("15,998,290", 15998290), ("15_998_290", 15998290), (15998290.0, 15998290)],
)
def test_size_repairs(value: Any, expected: int) -> None:
    meta = meta_of({"bytes_total": value})
    assert meta.bytes_total == Claimed(value=expected, pointer="/bytes_total")
    assert meta.repairs and all(r.pointer == "/bytes_total" for r in meta.repairs)


@pytest.mark.parametrize(
    ("value", "message"),
    [(None, "null"), (15.5e6 + 0.5, "not a whole number"), (-1, "negative"), ("16 MB", "not a whole number")],
)
def test_unusable_sizes_are_problems(value: Any, message: str) -> None:
    result = read({"bytes_total": value})
    assert result.meta is not None and result.meta.bytes_total is None
    assert any(p.pointer == "/bytes_total" and message in p.message for p in result.problems)


def test_code_bytes_alias() -> None:
    meta = meta_of({"code_bytes": 50_000})
    assert meta.bytes_code == Claimed(value=50_000, pointer="/code_bytes")


# --------------------------------------------------------------------------- seeds


@pytest.mark.parametrize(
    ("seeds", "expected", "pointers"),
    [
        ([42, 1337, 2024], [42, 1337, 2024], ["/seeds/0", "/seeds/1", "/seeds/2"]),
        (["42", "1337"], [42, 1337], ["/seeds/0", "/seeds/1"]),
        ([{"seed": 42, "val_bpb": 1.1}, {"seed": 7}], [42, 7], ["/seeds/0/seed", "/seeds/1/seed"]),
        ({"42": {"val_bpb": 1.1}, "seed_7": {"val_bpb": 1.2}}, [42, 7], ["/seeds/42", "/seeds/seed_7"]),
        (42, [42], ["/seeds"]),
    ],
)
def test_seed_shapes(seeds: Any, expected: list[int], pointers: list[str]) -> None:
    meta = meta_of({"val_bpb": 1.1, "seeds": seeds})
    assert [s.value for s in meta.seeds] == expected
    assert [s.pointer for s in meta.seeds] == pointers


def test_seeds_as_objects_also_give_per_seed_results() -> None:
    meta = meta_of({"seeds": {"0": {"val_bpb": 1.082, "val_loss": 2.795, "bytes_total": 15991018}}})
    seed = meta.seed_results[0]
    assert seed.pointer == "/seeds/0"
    assert seed.artifact_bytes == Claimed(value=15991018, pointer="/seeds/0/bytes_total")
    assert any("read from seeds" in a for a in actions(meta))


def test_seeds_from_the_seed_results_keys_and_from_seed() -> None:
    from_results = meta_of({"seed_results": {"1337": {"val_bpb": 1.17}, "7": {"val_bpb": 1.18}}})
    assert [s.value for s in from_results.seeds] == [1337, 7]
    assert [s.pointer for s in from_results.seeds] == ["/seed_results/1337", "/seed_results/7"]
    single = meta_of({"seed": 1337})
    assert single.seeds == [Claimed(value=1337, pointer="/seed")]


def test_bad_seed_entries_are_problems() -> None:
    result = read({"seeds": [42, "forty-two", -1, 1.5, None]})
    assert result.meta is not None
    assert [s.value for s in result.meta.seeds] == [42]
    assert {p.pointer for p in result.problems} >= {"/seeds/1", "/seeds/2", "/seeds/3", "/seeds/4"}


def test_null_seeds_is_a_problem() -> None:
    result = read({"seeds": None})
    assert result.meta is not None and result.meta.seeds == []
    assert "seeds is null" in problem_text(result)


# --------------------------------------------------------------------------- seed_results


def test_seed_results_keyed_by_seed_underscore_number() -> None:
    meta = meta_of({"seed_results": {"seed_42": {"val_bpb": 1.1}, "Seed-7": {"val_bpb": 1.2}}})
    assert sorted(meta.seed_results) == [7, 42]
    assert meta.seed_results[42].pointer == "/seed_results/seed_42"
    assert meta.seed_results[42].val_bpb == Claimed(value=1.1, pointer="/seed_results/seed_42/val_bpb")
    assert any('read seed 42 from key "seed_42"' in a for a in actions(meta))


def test_seed_results_as_an_array_with_seed_keys() -> None:
    meta = meta_of(
        {
            "seed_results": [
                {"seed": 42, "val_bpb": 1.06449, "bytes_total": 15975592, "train_time_ms": 596195},
                {"seed": "314", "val_bpb": 1.06543, "eval_time_ms": 562761},
                {"val_bpb": 1.0},
            ]
        }
    )
    assert sorted(meta.seed_results) == [42, 314]
    assert meta.seed_results[42].artifact_bytes == Claimed(value=15975592, pointer="/seed_results/0/bytes_total")
    assert meta.seed_results[314].eval_time_ms == Claimed(value=562761.0, pointer="/seed_results/1/eval_time_ms")
    result = read({"seed_results": [{"val_bpb": 1.0}]})
    assert "/seed_results/0" in {p.pointer for p in result.problems}


def test_per_seed_time_in_seconds_is_converted_to_ms() -> None:
    meta = meta_of({"seed_results": {"314": {"train_time_s": 596.091, "eval_time_s": 400.7, "step_stop": 4872}}})
    seed = meta.seed_results[314]
    assert seed.train_time_ms == Claimed(value=596091.0, pointer="/seed_results/314/train_time_s")
    assert seed.eval_time_ms == Claimed(value=400700.0, pointer="/seed_results/314/eval_time_s")
    assert seed.steps == Claimed(value=4872, pointer="/seed_results/314/step_stop")
    assert any("x1000" in a for a in actions(meta))


@pytest.mark.parametrize("alias", ["bytes_total", "total_bytes", "artifact_size", "artifact_size_bytes"])
def test_per_seed_size_aliases(alias: str) -> None:
    meta = meta_of({"seed_results": {"42": {alias: 15_000_000}}})
    assert meta.seed_results[42].artifact_bytes == Claimed(value=15_000_000, pointer=f"/seed_results/42/{alias}")


def test_a_bare_number_per_seed_is_read_as_val_bpb() -> None:
    meta = meta_of({"seed_results": {"1337": 1.13912231}})
    assert meta.seed_results[1337].val_bpb == Claimed(value=1.13912231, pointer="/seed_results/1337")


def test_the_same_seed_twice_keeps_the_first() -> None:
    result = read({"seed_results": {"42": {"val_bpb": 1.1}, "seed_42": {"val_bpb": 1.2}}})
    assert result.meta is not None
    assert result.meta.seed_results[42].val_bpb == Claimed(value=1.1, pointer="/seed_results/42/val_bpb")
    assert "seed 42 appears again" in problem_text(result)


def test_bad_seed_result_keys_and_values_are_problems() -> None:
    result = read({"seed_results": {"mean": {"val_bpb": 1.1}, "42": "pending", "7": {"val_bpb": "n/a"}}})
    assert result.meta is not None
    assert sorted(result.meta.seed_results) == [7]
    assert result.meta.seed_results[7].val_bpb is None
    assert {p.pointer for p in result.problems} >= {"/seed_results/mean", "/seed_results/42", "/seed_results/7/val_bpb"}


def test_per_seed_scores_outside_seed_results() -> None:
    parallel = meta_of({"seeds": [42, 0, 1337], "seed_scores": [1.09057, 1.09084, 1.0923]})
    assert parallel.seed_results[0].val_bpb == Claimed(value=1.09084, pointer="/seed_scores/1")
    named = meta_of({"val_bpb": 0.99, "val_bpb_seeds": {"seed_42": 0.99235, "seed_0": 0.99101}})
    assert named.seed_results[42].val_bpb == Claimed(value=0.99235, pointer="/val_bpb_seeds/seed_42")
    mismatched = meta_of({"seeds": [42, 0], "seed_scores": [1.09]})
    assert mismatched.seed_results == {}


def test_seed_results_win_over_other_per_seed_sources() -> None:
    meta = meta_of({"seed_results": {"42": {"val_bpb": 1.1}}, "val_bpb_seeds": {"42": 1.2, "7": 1.3}})
    assert meta.seed_results[42].val_bpb == Claimed(value=1.1, pointer="/seed_results/42/val_bpb")
    assert meta.seed_results[7].val_bpb == Claimed(value=1.3, pointer="/val_bpb_seeds/7")


# --------------------------------------------------------------------------- identity and track


TRACK_SPELLINGS = [
    "10min_16mb",
    "non_record_16mb",
    "non-record-16mb",
    "non-record-unlimited-compute-16mb",
    "track_10min_16mb",
    "non_record",
    "track_non_record_16mb",
    "non-record-10min-16mb",
    "non-record-1xh200-10min-16mb",
    "10min-16mb",
]


@pytest.mark.parametrize("track", TRACK_SPELLINGS)
def test_track_is_kept_as_written(track: str) -> None:
    meta = meta_of({"track": track})
    assert meta.track == Claimed(value=track, pointer="/track")
    assert meta.repairs == []


def test_missing_track_is_none() -> None:
    assert meta_of({"val_bpb": 1.1}).track is None


def test_author_as_an_object_gives_name_and_login() -> None:
    meta = meta_of({"author": {"name": "Ada", "github": "ada-l"}})
    assert meta.author == Claimed(value="Ada", pointer="/author/name")
    assert meta.github_id == Claimed(value="ada-l", pointer="/author/github")


def test_an_explicit_github_id_beats_the_author_object() -> None:
    meta = meta_of({"author": {"name": "Ada", "github": "ada-old"}, "github_id": "ada-l"})
    assert meta.github_id == Claimed(value="ada-l", pointer="/github_id")


def test_authors_list_and_aliases() -> None:
    listed = meta_of({"authors": ["Ada", "Grace"]})
    assert listed.author == Claimed(value="Ada, Grace", pointer="/authors")
    team = meta_of({"team_or_author": "Team X", "github_username": "teamx"})
    assert team.author == Claimed(value="Team X", pointer="/team_or_author")
    assert team.github_id == Claimed(value="teamx", pointer="/github_username")


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12345, "12345"), ("@ada-l", "ada-l"), ("https://github.com/ada-l", "ada-l"), ("ada-l", "ada-l")],
)
def test_github_id_repairs(value: Any, expected: str) -> None:
    meta = meta_of({"github_id": value})
    assert meta.github_id == Claimed(value=expected, pointer="/github_id")
    assert bool(meta.repairs) is (value != expected)


def test_placeholders_are_kept_for_the_checks_to_judge() -> None:
    meta = meta_of({"github_id": "YOUR_GITHUB_ID"})
    assert meta.github_id is not None and meta.github_id.value == "YOUR_GITHUB_ID"


def test_empty_identity_strings_are_problems() -> None:
    result = read({"author": "", "github_id": " "})
    assert result.meta is not None and result.meta.author is None and result.meta.github_id is None
    assert {p.pointer for p in result.problems} >= {"/author", "/github_id"}


def test_hardware_object_and_aliases() -> None:
    meta = meta_of({"hardware": {"validation_pod": "1xH100 80GB"}, "torch_version": "2.9.1"})
    assert meta.hardware == Claimed(value='{"validation_pod":"1xH100 80GB"}', pointer="/hardware")
    assert meta.pytorch_version == Claimed(value="2.9.1", pointer="/torch_version")
    gpu = meta_of({"gpu": "8xH100 SXM"})
    assert gpu.hardware == Claimed(value="8xH100 SXM", pointer="/gpu")


def test_dates_are_kept_as_written() -> None:
    assert meta_of({"date": "2026-03-19T12:00:00Z"}).date == Claimed(value="2026-03-19T12:00:00Z", pointer="/date")
    assert meta_of({"submission_date": "2026-03-19"}).date == Claimed(value="2026-03-19", pointer="/submission_date")


def test_unknown_keys_are_listed_in_file_order() -> None:
    meta = meta_of({**BASE, "compliance": {}, "blurb": "b", "technique_summary": "t", "bytes_model_int6_lzma": 1})
    assert meta.unknown_keys == ["compliance", "technique_summary"]


def test_strict_model_keys_are_all_known() -> None:
    assert set(SubmissionV1.model_fields) <= KNOWN_KEYS
    assert set(SubmissionV1.model_fields) >= STRICT_ONLY_KEYS


# --------------------------------------------------------------------------- pointers everywhere


KITCHEN_SINK: list[Any] = [
    BASE,
    {"val_bpb": "1.2", "mean_val_bpb": 1.1, "bytes_total": "15,000,000", "seeds": ["1", "2"], "github_id": 7},
    {"val_bpb": {"seed_1": 1.1, "2": 1.2}, "val_loss": {"1": 2.1}, "artifact_bytes": 15.0e6, "seed": 9},
    {"seeds": {"0": {"val_bpb": 1.0, "train_time_s": 599.5}}, "bytes_model_int8_zlib": 1, "code_bytes": 2},
    {"seed_results": [{"seed": "5", "total_bytes": 3, "eval_s": 1.5, "log": 12}], "author": {"name": "A"}},
    {"seed_results": {"s~/x": 1, "seed_3": 1.0}, "results": {"mean_val_bpb": "1.3"}, "hardware": ["a", {"b": 1}]},
    {"a/b": 1, "m~n": 2, "authors": ["x"], "github": "https://github.com/x", "bytes_total_mean": 2.5},
    {"seeds": [42, 0], "seed_scores": ["1.1", 1.2], "artifact_size": {"max_observed_total_bytes": "9"}},
]


@pytest.mark.parametrize("doc", KITCHEN_SINK)
def test_every_repair_and_claim_carries_a_pointer_that_resolves(doc: Any) -> None:
    meta = meta_of(doc)
    assert meta.repairs or doc is BASE
    for repair in meta.repairs:
        assert repair.pointer == "" or repair.pointer.startswith("/")
        pointers.resolve(doc, repair.pointer)
        assert repair.action
    for claim in claims(meta):
        pointers.resolve(doc, claim.pointer)
    for seed in meta.seed_results.values():
        pointers.resolve(doc, seed.pointer)


def test_pointer_escaping() -> None:
    assert pointers.join("", "a/b", "m~n", 3) == "/a~1b/m~0n/3"
    assert pointers.split("/a~1b/m~0n/~01") == ["a/b", "m~n", "~1"]
    doc = {"a/b": {"m~n": [10, 20]}}
    assert pointers.resolve(doc, "/a~1b/m~0n/1") == 20
    assert pointers.resolve(doc, "") == doc
    for bad in ("/a~1b/m~0n/2", "/a~1b/m~0n/01", "/x", "/a~1b/m~0n/0/deeper"):
        with pytest.raises(LookupError):
            pointers.resolve(doc, bad)
    with pytest.raises(ValueError, match="not a JSON pointer"):
        pointers.split("a")


# --------------------------------------------------------------------------- reading a folder


def _folder(tmp_path: Path, files: dict[str, bytes]) -> Path:
    root = tmp_path / "records" / "track_10min_16mb" / "2026-04-29_run"
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_folder_without_submission_json(tmp_path: Path) -> None:
    root = _folder(tmp_path, {"train.log": b"step:1\n"})
    assert read_submission_json(load_folder(root)) is None


def test_folder_with_only_a_named_variant(tmp_path: Path) -> None:
    root = _folder(tmp_path, {"submission_ternary.json": json.dumps(BASE).encode()})
    result = read_submission_json(load_folder(root))
    assert result is not None and result.path == "submission_ternary.json"
    assert result.meta is not None and result.meta.path == "submission_ternary.json"
    assert result.problems == []


def test_folder_with_several_prefers_submission_json(tmp_path: Path) -> None:
    files = {
        "submission_binary.json": b"{}",
        "submission.json": json.dumps(BASE).encode(),
        "logs/submission_seed42.json": b"{}",
    }
    result = read_submission_json(load_folder(_folder(tmp_path, files)))
    assert result is not None and result.path == "submission.json"
    assert result.meta is not None and result.meta.val_bpb is not None
    assert "submission_binary.json" in result.problems[0].message
    assert "logs/submission_seed42.json" in result.problems[0].message


def test_folder_with_several_variants_reads_the_first(tmp_path: Path) -> None:
    files = {"submission_ternary.json": b"{}", "submission_binary.json": json.dumps(BASE).encode()}
    result = read_submission_json(load_folder(_folder(tmp_path, files)))
    assert result is not None and result.path == "submission_binary.json"
    assert "submission_ternary.json" in problem_text(result)


def test_folder_with_an_oversized_file(tmp_path: Path) -> None:
    root = _folder(tmp_path, {"submission.json": b" " * (MAX_JSON_BYTES + 1)})
    result = read_submission_json(load_folder(root))
    assert result is not None and result.meta is None
    assert "read cap" in problem_text(result)


def test_folder_with_broken_json(tmp_path: Path) -> None:
    root = _folder(tmp_path, {"submission.json": b'{\n"val_bpb": 1.1,\n}'})
    result = read_submission_json(load_folder(root))
    assert result is not None and result.meta is None
    assert result.problems[0].line == 3


def test_a_per_seed_val_bpb_object_is_averaged_from_its_own_values() -> None:
    meta = meta_of({"val_bpb": {"1": 1.0, "2": 2.0}, "seed_results": {"1": {"val_bpb": 1.5}}})
    assert meta.val_bpb == Claimed(value=1.5, pointer="/val_bpb")
    assert meta.seed_results[1].val_bpb == Claimed(value=1.5, pointer="/seed_results/1/val_bpb")
    assert meta.seed_results[2].val_bpb == Claimed(value=2.0, pointer="/val_bpb/2")
