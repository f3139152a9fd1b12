"""Log evidence that a branch ran, for branches the configuration says are off (D14).

A branch behind `os.environ.get("ADAPT_EVAL", "0")` is statically off, yet the logs may carry lines
that only that branch prints. Such a branch is live: the organizers judged the run, and the run took
it. A print/log call's *literal prefix* (the text before its first replacement field) identifies
its lines; it counts for a branch only when no print outside the branch has an overlapping prefix.
Prints in functions called only from inside the branch count for it too. Source dumps inside logs
(the script printed verbatim) are skipped: they contain every print's text.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pgolf.audit.guards import Guards, block_guards
from pgolf.audit.program import Program
from pgolf.findings import Location

Branch = tuple[int, bool]  # (id of the `if` test, polarity)
_PRINT = re.compile(r"^(print\w*|log\d*|log_?(rank)?0|logger|info|warning|warn|debug|write|echo)$", re.I)
_MIN_PREFIX = 6
_EXCERPT = 200


@dataclass(frozen=True)
class LogText:
    """A log the claim rests on, as text; `dump` is the embedded source dump (1-based lines, skipped)."""

    path: str
    text: str
    dump: tuple[int, int] | None = None


@dataclass(frozen=True)
class _Print:
    prefix: str
    fid: int
    branches: frozenset[Branch]


def literal_prefix(node: ast.expr) -> str:
    """The constant text a print's first argument starts with ('' when it starts with a value)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        out = []
        for part in node.values:
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                break
            out.append(part.value)
        return "".join(out)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        left = literal_prefix(node.left)
        return left.split("%", 1)[0] if isinstance(node.op, ast.Mod) else left
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return literal_prefix(node.func.value).split("{", 1)[0]
    return ""


def _usable(prefix: str) -> str | None:
    text = prefix.split("\n", 1)[0].strip()
    letters = sum(c.isalpha() for c in text)
    return text if len(text) >= _MIN_PREFIX and letters >= 3 else None


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def guards_at(body: list[ast.stmt], line: int, outer: Guards = ()) -> Guards:
    """The guards of the statement at `line` (guards.block_guards), found by descending only the blocks
    whose line span contains it: cheap for the few print calls a script has."""
    for stmt, guards in block_guards(body, outer):
        end = getattr(stmt, "end_lineno", stmt.lineno) or stmt.lineno
        if not stmt.lineno <= line <= end:
            continue
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            return guards
        if isinstance(stmt, ast.If):
            for block, polarity in ((stmt.body, True), (stmt.orelse, False)):
                if block and block[0].lineno <= line <= (getattr(block[-1], "end_lineno", None) or line):
                    return guards_at(block, line, (*guards, (stmt.test, polarity)))
            return guards
        blocks: list[object] = [getattr(stmt, name, None) for name in ("body", "orelse", "finalbody")]
        blocks += [h.body for h in getattr(stmt, "handlers", [])] + [c.body for c in getattr(stmt, "cases", [])]
        for inner in blocks:
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                last = getattr(inner[-1], "end_lineno", None) or inner[-1].lineno
                if inner[0].lineno <= line <= last:
                    return guards_at(inner, line, guards)
        return guards
    return outer


class RanIndex:
    """`evidence(test, polarity)`: a log line showing that the branch ran, or None."""

    def __init__(self, program: Program, logs: Sequence[LogText], calls: dict[int, list[tuple[int, Guards]]]) -> None:
        self.program = program
        self.logs = logs
        self._calls = calls  # callee fid -> (caller fid, guards of the call) for every resolved call
        self._cache: dict[Branch, Location | None] = {}
        self._prints: list[_Print] | None = None  # collected on the first question (most runs ask none)
        self._fid_prints: dict[int, list[_Print]] = defaultdict(list)

    def _collect(self) -> list[_Print]:
        if self._prints is None:
            self._prints = []
            for info in self.program.funcs:
                body = getattr(info.node, "body", [])
                for node in info.of_type(ast.Call):
                    if not (node.args and _PRINT.match(_callee(node))):
                        continue
                    prefix = _usable(literal_prefix(node.args[0]))
                    if prefix is None:
                        continue
                    guards = guards_at(body, node.lineno)
                    found = _Print(prefix, info.fid, frozenset((id(t), p) for t, p in guards))
                    self._prints.append(found)
                    self._fid_prints[info.fid].append(found)
        return self._prints

    def evidence(self, test: ast.expr, polarity: bool) -> Location | None:
        branch = (id(test), polarity)
        if branch not in self._cache:
            self._cache[branch] = self._search(branch) if self.logs and self._collect() else None
        return self._cache[branch]

    def _inside(self, branch: Branch) -> list[_Print]:
        """Prints lexically in the branch, and in functions called only from inside it."""
        own = [p for p in self._collect() if branch in p.branches]
        for fid, sites in self._calls.items():
            if sites and all(branch in {(id(t), pol) for t, pol in guards} for _, guards in sites):
                own += self._fid_prints.get(fid, [])
        return own

    def _search(self, branch: Branch) -> Location | None:
        inside = self._inside(branch)
        ids = {id(p) for p in inside}
        outside = [p.prefix for p in self._collect() if id(p) not in ids]
        for p in inside:
            if any(o.startswith(p.prefix) or p.prefix.startswith(o) for o in outside):
                continue  # printed elsewhere too: its lines do not tell which branch ran
            found = self._find(p.prefix)
            if found is not None:
                return found
        return None

    def _find(self, prefix: str) -> Location | None:
        from pgolf.logs.prefix import strip_prefix

        for log in self.logs:
            text = log.text
            lo, hi = _span_of_lines(text, log.dump)
            start = 0
            while (at := text.find(prefix, start)) >= 0:
                if lo <= at < hi:
                    start = hi  # inside the source dump: skip it whole
                    continue
                start = at + 1
                line_start = text.rfind("\n", 0, at) + 1
                end = text.find("\n", at)
                line = text[line_start : end if end >= 0 else len(text)]
                if strip_prefix(line).lstrip().startswith(prefix):
                    line_no = text.count("\n", 0, line_start) + 1
                    return Location(path=log.path, line=line_no, excerpt=line.strip()[:_EXCERPT])
        return None


def _span_of_lines(text: str, lines: tuple[int, int] | None) -> tuple[int, int]:
    """Character offsets of 1-based lines first..last ((-1, -1) when there are none)."""
    if lines is None:
        return -1, -1
    first, last = lines
    offset = 0
    lo = hi = -1
    for number in range(1, last + 2):
        if number == first:
            lo = offset
        if number == last + 1:
            hi = offset
            break
        nxt = text.find("\n", offset)
        if nxt < 0:
            hi = len(text)
            break
        offset = nxt + 1
    return (lo, hi) if lo >= 0 else (-1, -1)
