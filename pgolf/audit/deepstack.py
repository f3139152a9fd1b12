"""Run recursive audit work (parsing, the analysis) with a deep stack, so nesting is a cap, not a crash."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import TypeVar

DEEP_RECURSION = 60_000  # Python frames the analysis may use (a 300-branch elif, a 500-term sum)
_DEEP_STACK = 512 * 1024 * 1024  # the thread's stack for that recursion (virtual memory, touched as used)
T = TypeVar("T")


def deep(work: Callable[[], T]) -> T:
    """Run `work` in a thread with a deep stack and a high recursion limit; re-raise what it raised.

    The analysis recurses over expressions and nested blocks; real code stays shallow, but legal
    generated code can nest hundreds of levels, and a dead line of nesting must not switch the audit off.
    """
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed back to the caller's thread as is
            box["error"] = exc

    old_limit = sys.getrecursionlimit()
    old_stack = threading.stack_size()
    try:
        threading.stack_size(_DEEP_STACK)
        sys.setrecursionlimit(max(old_limit, DEEP_RECURSION))
        thread = threading.Thread(target=run, name="pgolf-audit")
        thread.start()
        thread.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(old_limit)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]  # a BaseException stored above
    return box["value"]  # type: ignore[return-value]  # the value `work` returned
