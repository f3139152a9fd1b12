"""Which subscripts read the tokens being predicted, from the shape of the code alone.

Language-model code builds inputs and targets from one buffer: `x = buf[:-1]; y = buf[1:]`,
`x_batch[i] = chunk[:-1]; y_batch[i] = chunk[1:]`, `gathered[:, :n]` / `gathered[:, 1:n + 1]`. The
right-shifted slice of such a pair, written in a different statement from its partner, is the target
(TARGET). Pairs inside one expression (`hash(t[..., 1:], t[..., :-1])` in a BigramHash embedding, a
SmearGate `x[:, 1:] + g * x[:, :-1]`) combine inputs and are not marked, and nothing inside an
nn.Module's methods is marked.

A stream read element-wise at `s[p]` in one statement and at `s[p - k]` / `s[p - k:p]` in others has
its newest element marked TARGET_POS: weaker evidence, used only together with other patterns.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from pgolf.audit import labels as L
from pgolf.audit.astutil import dotted

Offset = int | str  # an int offset, or "neg" for "minus something non-constant"


@dataclass(frozen=True)
class _Read:
    node: ast.Subscript
    stmt: int
    lower: tuple[str, Offset]
    upper: tuple[str, Offset]
    is_slice: bool


def shifted_slices(
    subscripts: list[tuple[int, ast.Subscript]], aliases: Mapping[str, str] | None = None
) -> dict[int, int]:
    """Marks (TARGET / TARGET_POS bits) by subscript node id, from (statement id, subscript) pairs.

    `aliases` maps an index array to the one it selects from (`sel = tpos[keep]`): positions keep their
    meaning through gathers and masks, so `s[tpos]` and `s[sel - k]` read one stream (D11).
    """
    groups: dict[str, list[_Read]] = defaultdict(list)
    for stmt_id, sub in subscripts:
        if not isinstance(sub.value, ast.Name | ast.Attribute | ast.Subscript):
            continue
        read = _classify(sub, stmt_id, aliases or {})
        if read is not None:
            groups[dotted(sub.value)].append(read)
    marks: dict[int, int] = {}
    for reads in groups.values():
        if len(reads) > 1:
            _mark_slices(reads, marks)
            _mark_elements(reads, marks)
    return marks


def _base(name: str, aliases: Mapping[str, str]) -> str:
    seen = {name}
    while name in aliases and aliases[name] not in seen:
        name = aliases[name]
        seen.add(name)
    return name


def _norm(node: ast.expr | None, aliases: Mapping[str, str], *, upper: bool = False) -> tuple[str, Offset]:
    base, offset = _norm_raw(node, upper=upper)
    return _base(base, aliases), offset


def _norm_raw(node: ast.expr | None, *, upper: bool = False) -> tuple[str, Offset]:
    if node is None:
        return ("END", 0) if upper else ("", 0)
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return ("", node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        value = node.operand.value
        return ("", -value) if isinstance(value, int) else (dotted(node), 0)
    if isinstance(node, ast.BinOp) and isinstance(node.right, ast.Constant) and isinstance(node.right.value, int):
        if isinstance(node.op, ast.Add):
            return (dotted(node.left), node.right.value)
        if isinstance(node.op, ast.Sub):
            return (dotted(node.left), -node.right.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
        return (dotted(node.left), "neg")
    return (dotted(node), 0)


def _classify(sub: ast.Subscript, stmt: int, aliases: Mapping[str, str]) -> _Read | None:
    index = sub.slice
    last = index.elts[-1] if isinstance(index, ast.Tuple) and index.elts else index
    if isinstance(last, ast.Slice):
        if last.step is not None:
            return None
        return _Read(sub, stmt, _norm(last.lower, aliases), _norm(last.upper, aliases, upper=True), True)
    if isinstance(last, ast.Starred | ast.Tuple | ast.List):
        return None
    return _Read(sub, stmt, _norm(last, aliases), _norm(last, aliases), False)


def _shifted(a: tuple[str, Offset], b: tuple[str, Offset]) -> bool:
    return a[0] == b[0] and isinstance(a[1], int) and isinstance(b[1], int) and b[1] == a[1] + 1


def _mark_slices(reads: list[_Read], marks: dict[int, int]) -> None:
    slices = [r for r in reads if r.is_slice]
    for a in slices:
        for b in slices:
            if a.stmt == b.stmt or not _shifted(a.lower, b.lower):
                continue
            upper_ok = _shifted(a.upper, b.upper) or (a.upper == ("", -1) and b.upper == ("END", 0))
            if upper_ok:
                marks[id(b.node)] = marks.get(id(b.node), 0) | L.TARGET


def _mark_elements(reads: list[_Read], marks: dict[int, int]) -> None:
    by_var: dict[str, list[_Read]] = defaultdict(list)
    for r in reads:
        if not r.is_slice:
            by_var[r.lower[0]].append(r)
        elif r.upper[0] not in ("", "END"):
            by_var[r.upper[0]].append(r)
    for var, group in by_var.items():
        if not var:
            continue
        newest = [r for r in group if not r.is_slice and r.lower[1] == max(_ints(group), default=None)]
        older = [
            r
            for r in group
            if r.is_slice
            or r.lower[1] == "neg"
            or (
                isinstance(r.lower[1], int)
                and newest
                and isinstance(newest[0].lower[1], int)
                and r.lower[1] < newest[0].lower[1]
            )
        ]
        for n in newest:
            if any(o.stmt != n.stmt for o in older):
                marks[id(n.node)] = marks.get(id(n.node), 0) | L.TARGET_POS


def _ints(group: list[_Read]) -> list[int]:
    return [r.lower[1] for r in group if not r.is_slice and isinstance(r.lower[1], int)]
