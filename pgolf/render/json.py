"""The report as JSON (the `report` schema).

File names that are not UTF-8 reach the report as surrogate escapes (os.fsdecode); pydantic's
JSON writer refuses those, so such a report is written through `json.dumps`, which carries them
as `\\udcXX` escapes: valid JSON that every reader accepts and Python reads back as the same
string. Non-finite floats become null there too, as pydantic writes them.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic_core import PydanticSerializationError

from pgolf.findings import Report


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def render(report: Report) -> str:
    try:
        return report.model_dump_json(indent=2)
    except PydanticSerializationError:
        return json.dumps(_finite(report.model_dump(mode="json")), indent=2, ensure_ascii=True)
