"""Property tests: no input makes the submission.json readers raise, and every pointer they emit is real."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pgolf.meta import pointers
from pgolf.meta.lenient import KNOWN_KEYS, SEED_FIELDS, read_meta_bytes
from pgolf.meta.model import Claimed, SubmissionMeta
from pgolf.meta.strict import semantic_errors, suggest_fixes, validate_bytes

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
    | st.sampled_from(["1.08", "pending", "15,998,290", "seed_42", "42", " 7 ", "", "@x", "NaN", "1e999"])
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=25,
)
seed_keys = st.sampled_from(["42", "0", "seed_7", "Seed-1337", "x", "01", "-1", "a/b~c"])
seed_entry = st.dictionaries(
    st.sampled_from([alias for aliases in SEED_FIELDS.values() for alias, _ in aliases] + ["seed", "junk"]),
    json_values,
    max_size=6,
)
seedish = (
    st.dictionaries(seed_keys, seed_entry | scalars, max_size=4)
    | st.lists(seed_entry | scalars, max_size=4)
    | json_values
)
# Documents built from the keys the reader interprets, so the fuzzing reaches its repair paths.
submission_like = st.fixed_dictionaries(
    {},
    optional={
        **dict.fromkeys(sorted(KNOWN_KEYS), json_values),
        "seeds": seedish,
        "seed_results": seedish,
        "val_bpb": seedish,
        "results": st.dictionaries(st.sampled_from(["mean_val_bpb", "val_bpb", "seed_results"]), seedish),
        "bytes_model_int8_zlib": json_values,
    },
)


def _claims(meta: SubmissionMeta) -> list[Claimed[Any]]:
    found: list[Claimed[Any]] = [v for v in dict(meta).values() if isinstance(v, Claimed)]
    found += meta.seeds
    for seed in meta.seed_results.values():
        found += [v for v in dict(seed).values() if isinstance(v, Claimed)]
    return found


def _check_pointers(doc: Any) -> None:
    result = read_meta_bytes(json.dumps(doc).encode(), "submission.json")
    if result.meta is None:
        assert result.problems, "an unreadable file must say why"
        return
    # A one-element array around the object is unwrapped; its pointers are relative to the object.
    top = doc[0] if isinstance(doc, list) else doc
    for claim in _claims(result.meta):
        pointers.resolve(top, claim.pointer)
    for repair in result.meta.repairs:
        if repair.pointer != "/0":
            pointers.resolve(top, repair.pointer)


@FUZZ
@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    result = read_meta_bytes(data, "submission.json")
    assert result.meta is not None or result.problems
    assert isinstance(validate_bytes(data), list)


@FUZZ
@given(json_values)
def test_arbitrary_json_values_never_raise(doc: Any) -> None:
    _check_pointers(doc)
    assert isinstance(validate_bytes(json.dumps(doc).encode()), list)
    assert isinstance(suggest_fixes(doc), list)
    assert isinstance(semantic_errors(doc), list)


@FUZZ
@given(submission_like)
def test_submission_shaped_documents_never_raise(doc: dict[str, Any]) -> None:
    _check_pointers(doc)
    errors = validate_bytes(json.dumps(doc).encode())
    assert all(e.pointer == "" or e.pointer.startswith("/") for e in errors)
    assert isinstance(suggest_fixes(doc), list)
