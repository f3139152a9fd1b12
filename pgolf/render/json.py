from __future__ import annotations

from pgolf.findings import Report


def render(report: Report) -> str:
    return report.model_dump_json(indent=2)
