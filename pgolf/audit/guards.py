"""The one guard model every detector uses: which `if` tests a statement runs under.

A statement is guarded by the tests of the `if` blocks around it, with their polarity (True in the
body, False in the `else`), and by every earlier `if test: return/raise/continue/break` without an
`else` in its own block: `if not enabled: return` guards the rest of the function exactly like
`if enabled:` around it would. The compiler (events) and the name-level def-use (local detectors)
both walk blocks with `block_guards`, so a switched-off path is switched off for every check.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

Guard = tuple[ast.expr, bool]  # (the `if` test, the polarity under which the statement runs)
Guards = tuple[Guard, ...]


def exits(body: list[ast.stmt]) -> bool:
    """The block always leaves its enclosing block (return, raise, continue, break as last statement)."""
    return bool(body) and isinstance(body[-1], ast.Return | ast.Raise | ast.Continue | ast.Break)


def early_exit(stmt: ast.stmt) -> Guard | None:
    """`if test: return` (no else): what follows it in the block runs only when `test` is false."""
    if isinstance(stmt, ast.If) and exits(stmt.body) and not stmt.orelse:
        return (stmt.test, False)
    return None


def block_guards(body: list[ast.stmt], outer: Guards = ()) -> Iterator[tuple[ast.stmt, Guards]]:
    """Each statement of one block with the guards it runs under (nested blocks not entered)."""
    guards = outer
    for stmt in body:
        yield stmt, guards
        exit_guard = early_exit(stmt)
        if exit_guard is not None:
            guards = (*guards, exit_guard)
