"""Committed JSON Schemas must equal what the models generate (run `make schemas` after a change)."""

from __future__ import annotations

import json

import pytest

from pgolf.schemas import SCHEMAS, generate, schema_text


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_matches_model(name: str) -> None:
    assert schema_text(name) == generate(name), f"{name}.schema.json drifted: run `make schemas`"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_valid_json_schema(name: str) -> None:
    from jsonschema.validators import validator_for

    schema = json.loads(schema_text(name))
    validator_for(schema).check_schema(schema)
