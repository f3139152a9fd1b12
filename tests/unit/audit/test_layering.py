"""The code audit returns facts; the checks own every decision. No rule id appears in pgolf/audit."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from checks import ALL_CHECKS

AUDIT = Path(__file__).resolve().parents[3] / "pgolf" / "audit"


def _rule_pattern() -> re.Pattern[str]:
    rules = sorted({c.rule for c in ALL_CHECKS.values()}, key=len, reverse=True)
    return re.compile(r"(?<![A-Za-z0-9_/-])(" + "|".join(re.escape(r) for r in rules) + r")(?![A-Za-z0-9_/-])")


def test_no_rule_id_strings_in_the_audit() -> None:
    pattern = _rule_pattern()
    found = []
    for path in sorted(AUDIT.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found += [f"{path.name}:{node.lineno}: {m.group(0)}" for m in pattern.finditer(node.value)]
    assert found == [], "rule ids belong in checks/<slug>/check.py"


def test_the_audit_never_builds_statuses() -> None:
    """Detectors return facts: only report.py (the helpers checks call) may name a Status."""
    offenders = []
    for path in sorted(AUDIT.glob("*.py")):
        if path.name in ("report.py", "bench.py"):
            continue
        text = path.read_text("utf-8")
        if re.search(r"\bStatus\.(FAIL|WARN|PASS)\b", text):
            offenders.append(path.name)
    assert offenders == []
