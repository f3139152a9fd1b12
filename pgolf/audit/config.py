"""Static evaluation of feature flags: is this branch on in the submitted run?

Records carry dormant code paths behind flags that default to off (`SLOT_ENABLED=0`,
`TTT_ENABLED=0`). Whether a path ran is decided by evaluating its `if` tests statically: constants,
hyperparameter class attributes, `os.environ.get("X", default)`, with the values the run actually used
(the logs' `Hyperparameters:` block, and `NAME=value` settings in the README's commands) overriding the
defaults. Anything else is "unknown", and unknown guards are treated as possibly on.
"""

from __future__ import annotations

import ast
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pgolf.audit.guards import Guard, Guards
from pgolf.audit.kinds import FuncKind
from pgolf.audit.program import Program
from pgolf.audit.ran import LogText, RanIndex
from pgolf.findings import Location

_ENV_ASSIGN = re.compile(r"(?:^|[\s;(`'\"])(?:export\s+)?([A-Z][A-Z0-9_]{1,60})=([^\s;`'\"\\)]*)")
_MAX_DEPTH = 24


class _Unknown(Exception):
    pass


class _Missing(_Unknown):
    """No definition of the attribute at all (getattr's default applies)."""


@dataclass
class RunConfig:
    """Settings of the submitted run: environment variables and hyperparameter attribute values."""

    env: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, str] = field(default_factory=dict)
    ambiguous: set[str] = field(default_factory=set)  # set to different values in different places
    sources: dict[str, str] = field(default_factory=dict)  # name -> where the value came from
    logs: list[LogText] = field(default_factory=list)  # the claim-bearing logs, for evidence that a path ran

    def set_env(self, name: str, value: str, source: str) -> None:
        self._set(self.env, name, value, source)

    def set_attr(self, name: str, value: str, source: str) -> None:
        self._set(self.attrs, name.lower(), value, source)

    def _set(self, table: dict[str, str], name: str, value: str, source: str) -> None:
        if name in table and table[name] != value:
            self.ambiguous.add(name)
        table.setdefault(name, value)
        self.sources.setdefault(name, source)


def config_from_texts(
    readme: str | None,
    hyperparameters: list[Mapping[str, str]],
    *,
    readme_path: str = "README.md",
    log_paths: list[str] | None = None,
) -> RunConfig:
    cfg = RunConfig()
    for i, hp in enumerate(hyperparameters):
        where = (log_paths or [])[i] if log_paths and i < len(log_paths) else "a log"
        for key, value in hp.items():
            cfg.set_attr(key, value, f"{where} Hyperparameters block")
            cfg.set_env(key.upper(), value, f"{where} Hyperparameters block")
    if readme:
        for line in readme.splitlines():
            if "=" not in line:
                continue
            for name, value in _ENV_ASSIGN.findall(line):
                cfg.set_env(name, value, readme_path)
    return cfg


def _literal(text: str) -> object:
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if low in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


_CMP: dict[type[ast.cmpop], Callable[[Any, Any], object]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: operator.contains(b, a),
    ast.NotIn: lambda a, b: not operator.contains(b, a),
}
_BIN: dict[type[ast.operator], Callable[[object, object], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_CASTS: dict[str, Callable[[object], object]] = {"int": int, "float": float, "bool": bool, "str": str}  # type: ignore[dict-item]


class FlagEvaluator:
    """`truth(fid, test)`: True, False, or None when the value cannot be known statically."""

    def __init__(self, program: Program, config: RunConfig) -> None:
        self.p = program
        self.cfg = config
        self.ran: RanIndex | None = None  # log evidence that statically-off branches ran (set by analyze)
        self._assigned: dict[int, dict[str, list[ast.expr]]] = {}
        self._class_attrs: dict[str, list[tuple[int, ast.expr]]] | None = None
        self._cache: dict[tuple[int, int], object] = {}
        self._mutated: set[str] | None = None
        self._bound: list[tuple[int, dict[str, tuple[int, ast.expr]]]] = []  # helper parameters being evaluated

    def off(self, fid: int, guards: Guards) -> Guard | None:
        """The guard that switches a statement off in the submitted run, else None.

        A guard is off when its test is statically the opposite of the polarity the statement needs,
        unless a claim-bearing log shows that the branch ran (a line only it prints).
        """
        for test, polarity in guards:
            if self.truth(fid, test) is (not polarity) and self.ran_evidence(test, polarity) is None:
                return (test, polarity)
        return None

    def ran_evidence(self, test: ast.expr, polarity: bool) -> Location | None:
        return self.ran.evidence(test, polarity) if self.ran is not None else None

    def overridden(self, fid: int, guards: Guards) -> Location | None:
        """Log evidence that a statically-off guard of these guards ran anyway (D14)."""
        for test, polarity in guards:
            if self.truth(fid, test) is (not polarity):
                found = self.ran_evidence(test, polarity)
                if found is not None:
                    return found
        return None

    def truth(self, fid: int, test: ast.expr) -> bool | None:
        key = (fid, id(test))
        if key not in self._cache:
            try:
                self._cache[key] = bool(self._value(fid, test, 0))
            except (_Unknown, TypeError, ValueError, ArithmeticError, AttributeError):
                self._cache[key] = None
        cached = self._cache[key]
        return cached if isinstance(cached, bool) else None

    def value(self, fid: int, node: ast.expr) -> object | None:
        """The statically known value of an expression in the submitted configuration, else None."""
        try:
            return self._value(fid, node, 0)
        except (_Unknown, TypeError, ValueError, ArithmeticError, AttributeError):
            return None

    def env_value(self, name: str, default: object) -> object:
        if name in self.cfg.ambiguous:
            raise _Unknown
        return self.cfg.env.get(name, default)

    def _value(self, fid: int, node: ast.expr, depth: int) -> object:  # noqa: C901, PLR0911 - node kinds
        if depth > _MAX_DEPTH:
            raise _Unknown
        d = depth + 1
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            return self._name(fid, node.id, d)
        if isinstance(node, ast.Attribute):
            return self._attr(node.attr, d)
        if isinstance(node, ast.UnaryOp):
            operand = self._value(fid, node.operand, d)
            if isinstance(node.op, ast.Not):
                return not operand
            if isinstance(node.op, ast.USub):
                return -operand  # type: ignore[operator]
            raise _Unknown
        if isinstance(node, ast.BoolOp):
            return self._boolop(fid, node, d)
        if isinstance(node, ast.Compare):
            left = self._value(fid, node.left, d)
            for op, comp in zip(node.ops, node.comparators, strict=True):
                right = self._value(fid, comp, d)
                if not _CMP[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            return _BIN[type(node.op)](self._value(fid, node.left, d), self._value(fid, node.right, d))
        if isinstance(node, ast.IfExp):
            cond = self._value(fid, node.test, d)
            return self._value(fid, node.body if cond else node.orelse, d)
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return tuple(self._value(fid, e, d) for e in node.elts)
        if isinstance(node, ast.Call):
            return self._call(fid, node, d)
        raise _Unknown

    def _boolop(self, fid: int, node: ast.BoolOp, d: int) -> object:
        """`and`/`or` with short-circuit: one decisive operand settles it even if others are unknown."""
        unknown = False
        is_and = isinstance(node.op, ast.And)
        last: object = None
        for v in node.values:
            try:
                last = self._value(fid, v, d)
            except _Unknown:
                unknown = True
                continue
            if bool(last) is not is_and:
                return last
        if unknown:
            raise _Unknown
        return last

    def _call(self, fid: int, node: ast.Call, d: int) -> object:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        text = _dotted(func)
        if text in ("os.environ.get", "os.getenv", "environ.get", "getenv") and node.args:
            key = self._value(fid, node.args[0], d)
            default = self._value(fid, node.args[1], d) if len(node.args) > 1 else None
            return self.env_value(str(key), default)
        if name in _CASTS and len(node.args) == 1 and isinstance(func, ast.Name):
            return _CASTS[name](self._value(fid, node.args[0], d))
        if name == "getattr" and isinstance(func, ast.Name) and len(node.args) >= 2:
            attr = self._value(fid, node.args[1], d)
            try:
                return self._attr(str(attr), d)
            except _Missing:
                if len(node.args) > 2:
                    return self._value(fid, node.args[2], d)
                raise
        if isinstance(func, ast.Attribute) and name in ("lower", "upper", "strip") and not node.args:
            base = self._value(fid, func.value, d)
            if isinstance(base, str):
                return getattr(base, name)()
        if isinstance(func, ast.Name):
            kind, target = self.p.resolve(fid, func.id)
            if kind == "func" and isinstance(target, int):
                return self._helper(target, node, fid, d)
        raise _Unknown

    def _helper(self, callee: int, node: ast.Call, caller: int, d: int) -> object:
        """A one-line helper such as `def _eb(k, d="0"): return bool(int(os.environ.get(k, d)))`: its
        return expression, with the call's arguments (or the defaults) for its parameters."""
        fn = self.p.funcs[callee].node
        if not isinstance(fn, ast.FunctionDef) or fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs:
            raise _Unknown
        body = [s for s in fn.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
            raise _Unknown
        params = [a.arg for a in [*fn.args.posonlyargs, *fn.args.args]]
        bound: dict[str, tuple[int, ast.expr]] = {}
        for pname, default in zip(params[len(params) - len(fn.args.defaults) :], fn.args.defaults, strict=True):
            bound[pname] = (callee, default)
        if len(node.args) > len(params) or any(isinstance(a, ast.Starred) for a in node.args):
            raise _Unknown
        for pname, arg in zip(params, node.args, strict=False):
            bound[pname] = (caller, arg)
        for kw in node.keywords:
            if kw.arg is None or kw.arg not in params:
                raise _Unknown
            bound[kw.arg] = (caller, kw.value)
        if set(params) - set(bound):
            raise _Unknown
        self._bound.append((callee, bound))
        try:
            return self._value(callee, body[0].value, d)
        finally:
            self._bound.pop()

    def _name(self, fid: int, name: str, d: int) -> object:
        kind, target = self.p.resolve(fid, name)
        if kind == "builtin" and name in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[name]
        if kind != "var":
            raise _Unknown
        assert isinstance(target, tuple)
        owner, var = target
        for scope, bound in reversed(self._bound):
            if scope == owner and var in bound:
                where, expr = bound[var]
                return self._value(where, expr, d)
        values = self._assignments(owner).get(var, [])
        if len(values) != 1 or var in self.p.funcs[owner].params:
            raise _Unknown
        return self._value(owner, values[0], d)

    def _attr(self, attr: str, d: int) -> object:
        low = attr.lower()
        if low in self.cfg.attrs and low not in self.cfg.ambiguous:
            return _literal(self.cfg.attrs[low])
        defs = self._all_class_attrs().get(attr, [])
        if not defs and attr not in self._mutated_attrs():
            raise _Missing
        if not defs or attr in self._mutated_attrs():
            raise _Unknown
        values = {repr(self._value(owner, expr, d)) for owner, expr in defs}
        if len(values) != 1:
            raise _Unknown
        return self._value(defs[0][0], defs[0][1], d)

    def _mutated_attrs(self) -> set[str]:
        """Attributes assigned outside class bodies and __init__: their value changes at run time."""
        if self._mutated is None:
            found: set[str] = set()
            for info in self.p.funcs:
                if info.kind is FuncKind.CLASS or info.name == "__init__":
                    continue
                for stmt in _own_statements(info.node):
                    targets = (
                        stmt.targets
                        if isinstance(stmt, ast.Assign)
                        else ([stmt.target] if isinstance(stmt, ast.AugAssign | ast.AnnAssign) else [])
                    )
                    found.update(t.attr for t in targets if isinstance(t, ast.Attribute))
            self._mutated = found
        return self._mutated

    def _assignments(self, fid: int) -> dict[str, list[ast.expr]]:
        if fid not in self._assigned:
            found: dict[str, list[ast.expr]] = defaultdict(list)
            for stmt in _own_statements(self.p.funcs[fid].node):
                if isinstance(stmt, ast.Assign):
                    for t in stmt.targets:
                        if isinstance(t, ast.Name):
                            found[t.id].append(stmt.value)
                        elif isinstance(t, ast.Tuple | ast.List):
                            for e in t.elts:
                                if isinstance(e, ast.Name):
                                    found[e.id].append(t)  # unpacked: unknown value
                elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and stmt.value is not None:
                    found[stmt.target.id].append(stmt.value)
                elif isinstance(stmt, ast.AugAssign | ast.For) and isinstance(stmt.target, ast.Name):
                    found[stmt.target.id].append(stmt.target)  # changes: unknown
            self._assigned[fid] = found
        return self._assigned[fid]

    def _all_class_attrs(self) -> dict[str, list[tuple[int, ast.expr]]]:
        """attr -> (scope, value) for class-body assignments and `self.attr = value` in __init__."""
        if self._class_attrs is None:
            table: dict[str, list[tuple[int, ast.expr]]] = defaultdict(list)
            for cls in self.p.classes.values():
                for name, values in self._assignments(cls.body_fid).items():
                    table[name] += [(cls.body_fid, v) for v in values]
                init = cls.methods.get("__init__")
                if init is not None:
                    for stmt in _own_statements(self.p.funcs[init].node):
                        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                            t = stmt.targets[0]
                            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self":
                                table[t.attr].append((init, stmt.value))
            self._class_attrs = table
        return self._class_attrs


def _own_statements(node: ast.AST) -> list[ast.stmt]:
    """Statements of a function/class/module body, including nested blocks but not nested defs."""
    out: list[ast.stmt] = []
    stack: list[ast.AST] = list(getattr(node, "body", []))
    while stack:
        stmt = stack.pop()
        if isinstance(stmt, ast.stmt):
            out.append(stmt)
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for name in ("body", "orelse", "finalbody", "handlers"):
            stack.extend(getattr(stmt, name, []))
    return out


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""
