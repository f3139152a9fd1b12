"""JSON Schemas generated from the pydantic models, committed under resources/schemas/.

`make schemas` rewrites the committed files; tests/unit/test_schemas.py fails on drift.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from typing import Any

from pgolf.findings import Report
from pgolf.meta.strict import submission_json_schema


def _report_schema() -> dict[str, Any]:
    return Report.model_json_schema()


def _run_report_schema() -> dict[str, Any]:
    from pgolf.report.model import RunReport  # lazy: `pgolf check` never imports the runner

    return RunReport.model_json_schema()


def _manifest_schema() -> dict[str, Any]:
    from pgolf.manifest import Manifest

    return Manifest.model_json_schema()


def _seed_record_schema() -> dict[str, Any]:
    from pgolf.runner.model import SeedRecord  # lazy, like run-report

    return SeedRecord.model_json_schema()


SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "report": _report_schema,
    "submission": submission_json_schema,
    "run-report": _run_report_schema,
    "manifest": _manifest_schema,
    "seed-record": _seed_record_schema,
}


def generate(name: str) -> str:
    return json.dumps(SCHEMAS[name](), indent=2, sort_keys=True) + "\n"


def schema_text(name: str) -> str:
    """The committed schema text (what CI validates against)."""
    return (resources.files("pgolf.resources") / "schemas" / f"{name}.schema.json").read_text("utf-8")


def schema_dict(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text(name))
    return loaded


def write_all() -> list[str]:
    """Rewrite every committed schema from its model (`make schemas`)."""
    folder = resources.files("pgolf.resources") / "schemas"
    written = []
    for name in sorted(SCHEMAS):
        target = folder / f"{name}.schema.json"
        with resources.as_file(target) as path:
            path.write_text(generate(name), encoding="utf-8")
        written.append(name)
    return written


if __name__ == "__main__":
    import sys

    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python -m pgolf.schemas --write")
    print("wrote:", ", ".join(write_all()))
