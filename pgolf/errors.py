"""The error hierarchy: one exit code per class, one top-level handler (pgolf.cli).

Exit-code contract (tested in tests/unit/test_cli.py):
    0 clean, 1 violations found, 2 usage or input error, 3 environment missing, 4 internal error,
    5 incomplete (a reproduction whose seeds did not all finish their planned run: no verdict on the claim).
A reproduction exits 0 when reproduced and 1 when not reproduced (pgolf.report.verdict).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import ClassVar

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_USAGE = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERNAL = 4
EXIT_INCOMPLETE = 5


class PgolfError(Exception):
    """An error pgolf reports as one line (never a traceback)."""

    exit_code: ClassVar[int] = EXIT_INTERNAL


class UsageError(PgolfError):
    """Bad arguments, or input that is not what the command needs (malformed file, wrong folder)."""

    exit_code = EXIT_USAGE


class InputError(UsageError):
    """The input exists but cannot be used: malformed JSON, binary junk, a symlink leaving the folder."""


class EnvironmentMissing(PgolfError):
    """Something pgolf needs from the machine is missing: Docker, a GPU, torch, a dataset."""

    exit_code = EXIT_ENVIRONMENT


class InternalError(PgolfError):
    """A bug in pgolf."""

    exit_code = EXIT_INTERNAL


def exit_code_of(body: Callable[[list[str] | None], int], argv: list[str] | None) -> int:
    """Run a module entry point (`python -m ...`): a PgolfError is its one-line message and exit code."""
    try:
        return body(argv)
    except PgolfError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
