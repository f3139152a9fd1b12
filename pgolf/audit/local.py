"""Name-level def-use inside one function, for the pattern detectors of the scoring path.

Flow-insensitive on purpose: these detectors ask "is this key computed from that token?" and "does
this value reach the score?", questions about what a name can hold anywhere in the function. Each
statement's guards (guards.block_guards, the model the compiler uses too) are kept so a finding can
tell whether a switched-off flag hides it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from pgolf.audit.astutil import names_in
from pgolf.audit.guards import Guards, block_guards

LOG_NAMES = frozenset({"log", "log2", "log10", "log1p", "nll", "neg_log"})


@dataclass
class LocalFlow:
    func: ast.AST
    defs: dict[str, list[ast.expr]] = field(default_factory=lambda: defaultdict(list))
    # Whole-name definitions only (`x = v`, `for x in v`): what the name *is*, not what was stored into it.
    strong: dict[str, list[ast.expr]] = field(default_factory=lambda: defaultdict(list))
    guards: dict[int, Guards] = field(default_factory=dict)  # id(node) -> guards (guards.block_guards)
    stores: list[tuple[ast.expr, ast.expr]] = field(default_factory=list)  # (target, value)
    returns: list[ast.expr] = field(default_factory=list)
    augs: list[ast.AugAssign] = field(default_factory=list)
    _deps_cache: dict[frozenset[str], frozenset[str]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, func: ast.AST) -> LocalFlow:
        out = cls(func)
        out._walk(getattr(func, "body", []), ())
        return out

    def _walk(self, body: list[ast.stmt], outer: Guards) -> None:
        for stmt, guards in block_guards(body, outer):
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            for node in ast.walk(stmt) if not _compound(stmt) else _header_nodes(stmt):
                self.guards.setdefault(id(node), guards)
            self._record(stmt)
            if isinstance(stmt, ast.If):
                self._walk(stmt.body, (*guards, (stmt.test, True)))
                self._walk(stmt.orelse, (*guards, (stmt.test, False)))
            else:
                for name in ("body", "orelse", "finalbody"):
                    self._walk(getattr(stmt, name, []), guards)
                for handler in getattr(stmt, "handlers", []):
                    self._walk(handler.body, guards)

    def _record(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                self._define(t, stmt.value)
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            self._define(stmt.target, stmt.value)
        elif isinstance(stmt, ast.AugAssign):
            self._define(stmt.target, stmt.value)
            self.augs.append(stmt)
        elif isinstance(stmt, ast.For | ast.AsyncFor):
            self._define(stmt.target, stmt.iter)
        elif isinstance(stmt, ast.Return) and stmt.value is not None:
            self.returns.append(stmt.value)

    def _define(self, target: ast.expr, value: ast.expr) -> None:
        self.stores.append((target, value))
        if isinstance(target, ast.Name):
            self.defs[target.id].append(value)
            self.strong[target.id].append(value)
        elif isinstance(target, ast.Tuple | ast.List):
            for elt in target.elts:
                self._define(elt.value if isinstance(elt, ast.Starred) else elt, value)
        elif isinstance(target, ast.Subscript | ast.Attribute):
            root: ast.expr = target
            while isinstance(root, ast.Subscript | ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name):
                self.defs[root.id].append(value)

    @cached_property
    def _sources(self) -> dict[str, frozenset[str]]:
        """name -> the names its definitions read (each definition walked once, not once per question:
        a function with thousands of table reads asked the same closures thousands of times)."""
        return {name: frozenset(n for v in values for n in names_in(v)) for name, values in self.defs.items()}

    def deps(self, names: set[str]) -> set[str]:
        """Every name the given names are computed from, transitively (the names included)."""
        key = frozenset(names)
        cached = self._deps_cache.get(key)
        if cached is not None:
            return set(cached)
        sources = self._sources
        seen = set(names)
        work = list(names)
        while work:
            for n in sources.get(work.pop(), ()):
                if n not in seen:
                    seen.add(n)
                    work.append(n)
        self._deps_cache[key] = frozenset(seen)
        return seen

    def expressions_of(self, names: set[str]) -> list[ast.expr]:
        return [v for n in self.deps(names) for v in self.defs.get(n, [])]

    @cached_property
    def log_calls(self) -> list[ast.Call]:
        return [n for n in ast.walk(self.func) if isinstance(n, ast.Call) and _callee(n) in LOG_NAMES]

    @cached_property
    def _users(self) -> dict[str, set[str]]:
        users: dict[str, set[str]] = defaultdict(set)
        for name, values in self.defs.items():
            for v in values:
                for n in names_in(v):
                    users[n].add(name)
        return users

    def forward(self, names: set[str]) -> set[str]:
        """Names computed from the given names, transitively (the names included)."""
        seen = set(names)
        work = list(names)
        while work:
            for n in self._users.get(work.pop(), ()):
                if n not in seen:
                    seen.add(n)
                    work.append(n)
        return seen

    def reaches_score(self, node: ast.expr, assigned: set[str], *, accumulated_only: bool = False) -> bool:
        """Does a value (or the names it was assigned to) reach an accumulation, a return or a log?"""
        names = self.forward(assigned)
        if any(names_in(a.value) & names or contains(a.value, node) for a in self.augs):
            return True
        if accumulated_only:
            return False
        if any(names_in(r) & names or contains(r, node) for r in self.returns):
            return True
        for call in self.log_calls:
            if not isinstance(call, ast.Call):
                continue
            if any(names_in(arg) & names or contains(arg, node) for arg in call.args):
                return True
        return False

    def assigned_names(self, node: ast.AST) -> set[str]:
        """Names whose defining expression contains `node`."""
        return {name for name, values in self.defs.items() if any(contains(v, node) for v in values)}


def contains(tree: ast.AST, node: ast.AST) -> bool:
    """`node` lies inside `tree`, by source span (no walk: this runs for every candidate)."""
    if tree is node:
        return True
    t0 = (getattr(tree, "lineno", 0), getattr(tree, "col_offset", 0))
    t1 = (getattr(tree, "end_lineno", 0) or 0, getattr(tree, "end_col_offset", 0) or 0)
    n0 = (getattr(node, "lineno", -1), getattr(node, "col_offset", -1))
    n1 = (getattr(node, "end_lineno", -1) or -1, getattr(node, "end_col_offset", -1) or -1)
    return t0 <= n0 and n1 <= t1 and n0 != (-1, -1)


def _callee(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _compound(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.If | ast.For | ast.AsyncFor | ast.While | ast.With | ast.AsyncWith | ast.Try)


def _header_nodes(stmt: ast.stmt) -> list[ast.AST]:
    parts: list[ast.AST] = []
    for name in ("test", "iter", "target"):
        part = getattr(stmt, name, None)
        if isinstance(part, ast.AST):
            parts += list(ast.walk(part))
    for item in getattr(stmt, "items", []):
        parts += list(ast.walk(item))
    return parts
