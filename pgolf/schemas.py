"""JSON Schemas generated from the pydantic models, committed under resources/schemas/.

`make schemas` rewrites the committed files; tests/unit/test_schemas.py fails on drift.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from pgolf.findings import Report


def _report_schema() -> dict[str, Any]:
    return Report.model_json_schema()


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "report": _report_schema,
}


def generate(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, sort_keys=True) + "\n"


def schema_text(name: str) -> str:
    """The committed schema text (what CI validates against)."""
    return (resources.files("pgolf.resources") / "schemas" / f"{name}.schema.json").read_text("utf-8")


def schema_dict(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded
