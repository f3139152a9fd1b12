"""Scaffold a check folder (check.py, README.md with the required sections, fixtures.py).

Usage: python scripts/new_check.py PG209 some-violation-name RULE-ID
Then add the class to checks/__init__.py (sorted by code) and fill in the logic and fixtures.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pgolf.catalogue import CODE_PATTERN, SLUG_PATTERN

CHECK = """from __future__ import annotations

from typing import ClassVar

from pgolf.catalogue import CheckContext, CheckKind, Lifecycle
from pgolf.findings import CheckOutcome, Status


class {cls}:
    code: ClassVar[str] = "{code}"
    slug: ClassVar[str] = "{slug}"
    rule: ClassVar[str] = "{rule}"
    kind: ClassVar[CheckKind] = "log"
    lifecycle: ClassVar[Lifecycle] = "preview"
    since: ClassVar[str] = "0.1.0"

    def run(self, ctx: CheckContext) -> CheckOutcome:
        return CheckOutcome(status=Status.SKIP, message="write the logic of {code} here")
"""

README = """# {code} {slug}

## What it checks

## Rule
{rule}:

## Sources

## How pgolf decides

## How to fix
"""

FIXTURES = """from checks.fixture_kit import Fixture, standard_files
from pgolf.findings import Status

FIXTURES = [
    Fixture("2026-01-01_passes", Status.PASS, standard_files(), "why this passes"),
    Fixture("2026-01-01_fails", Status.FAIL, standard_files(), "why this fails"),
]
"""


def main(argv: list[str]) -> int:
    if len(argv) != 3 or not CODE_PATTERN.match(argv[0]) or not SLUG_PATTERN.match(argv[1]):
        print(__doc__, file=sys.stderr)
        return 2
    code, slug, rule = argv
    folder = Path(__file__).resolve().parents[1] / "checks" / slug.replace("-", "_")
    if folder.exists():
        print(f"{folder} exists", file=sys.stderr)
        return 2
    folder.mkdir()
    cls = "".join(part.capitalize() for part in slug.split("-"))
    (folder / "__init__.py").write_text("")
    (folder / "check.py").write_text(CHECK.format(cls=cls, code=code, slug=slug, rule=rule))
    (folder / "README.md").write_text(README.format(code=code, slug=slug, rule=rule))
    (folder / "fixtures.py").write_text(FIXTURES)
    print(f"created {folder}; register {cls} in checks/__init__.py")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
