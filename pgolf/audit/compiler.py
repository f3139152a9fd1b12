"""One pass over each function: compile its assignments into recipes and record its events.

Events are the facts the checks reason about, in program order, each with the loops and `if` guards
around it and whether it runs under `torch.no_grad()`/`inference_mode()`: accumulations, backward()
calls, optimizer steps, hook registrations, X^T X accumulations, saves, network calls, env reads,
calls to user functions. Statement order inside a loop body is preserved, which is what
score-before-update is about.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pgolf.audit import labels as L
from pgolf.audit.astutil import dotted
from pgolf.audit.guards import Guards, block_guards
from pgolf.audit.ir import ZERO, Attr, Call, Const, DefKey, Elem, R, ScopeVar, Sub, Var, union
from pgolf.audit.kinds import CallKind, EventKind
from pgolf.audit.labels import LabelSpace
from pgolf.audit.library import (
    CE_NAMES,
    HOOK_METHODS,
    NETWORK_PREFIXES,
    NOGRAD_CONTEXTS,
    SAVE_SUFFIXES,
    SHELL_CALLS,
    attribute_drops,
    function_kind,
    literal_labels,
    method_accumulates,
    method_kind,
    method_mutates,
    vocab_like,
)
from pgolf.audit.program import FuncInfo, Program, var_of
from pgolf.audit.structure import shifted_slices

Key = DefKey
State = dict[str, frozenset[int]]


@dataclass
class Loop:
    lid: int
    node: ast.For | ast.While | ast.AsyncFor
    parent: int | None
    targets: list[str]


@dataclass
class Event:
    order: int
    kind: EventKind
    node: ast.AST
    loops: tuple[int, ...]
    guards: Guards
    nograd: bool
    value: R | None = None
    call: Call | None = None
    text: str = ""
    accumulates: bool = False  # an accumulation that persists across loop iterations (or into a parameter)

    @property
    def line(self) -> int:
        return getattr(self.node, "lineno", 0)


@dataclass
class _LoopFrame:
    """Reads and definitions inside one loop body, for the back edge."""

    reads: list[tuple[Var, str]] = field(default_factory=list)
    defs: dict[str, set[int]] = field(default_factory=dict)


@dataclass
class Facts:
    fid: int
    assigns: list[tuple[tuple[Key, ...], R]] = field(default_factory=list)
    attr_stores: list[tuple[R, str, R, str | None]] = field(default_factory=list)
    returns: list[R] = field(default_factory=list)
    return_elems: list[list[R] | None] = field(default_factory=list)
    evals: list[R] = field(default_factory=list)  # expressions evaluated only for their calls
    recipes: dict[int, R] = field(default_factory=dict)  # id(expression node) -> its recipe
    seeds: dict[Key, int] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    loops: dict[int, Loop] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    attr_reads: set[str] = field(default_factory=set)
    refs: set[int] = field(default_factory=set)  # user functions referenced as values


class Scanner:
    """Compiles one function (or module/class body) into `Facts`."""

    def __init__(self, program: Program, space: LabelSpace, fid: int) -> None:
        self.p = program
        self.space = space
        self.fid = fid
        self.info: FuncInfo = program.funcs[fid]
        self.facts = Facts(fid=fid)
        self._order = 0
        self._loops: list[int] = []
        self._guards: list[tuple[ast.expr, bool]] = []
        self._nograd = any(
            d.endswith(NOGRAD_CONTEXTS) or "no_grad" in d or "inference_mode" in d for d in self.info.decorators
        )
        self._self_class = self._method_class()
        self._stmt_id = 0
        self._subs: list[tuple[int, ast.Subscript, Sub]] = []
        self._index_aliases: dict[str, str] = {}  # `sel = tpos[keep]`: sel selects from the positions tpos
        params = [*self.info.params, *(n for n in (self.info.vararg, self.info.kwarg) if n)]
        self._state: State = {name: frozenset({0}) for name in params}
        self._frames: list[_LoopFrame] = []

    def _method_class(self) -> str | None:
        info = self.info
        if info.cls is None or not info.params or "staticmethod" in " ".join(info.decorators):
            return None
        self.facts.seeds[(self.fid, info.params[0], 0)] = self.space.cls(info.cls)
        return info.cls

    def run(self) -> Facts:
        node = self.info.node
        body: list[ast.stmt] = getattr(node, "body", [])
        self._block(body)
        if not self._in_model_class():  # inputs and targets are split by eval/data code, not by models
            marks = shifted_slices([(stmt, node) for stmt, node, _ in self._subs], self._index_aliases)
            for _, sub_node, recipe in self._subs:
                recipe.extra = marks.get(id(sub_node), 0)
        return self.facts

    def _in_model_class(self) -> bool:
        cls = self.p.class_of_method(self.fid)
        return cls is not None and cls.is_module

    # ----- statements -------------------------------------------------------------------------
    def _block(self, body: list[ast.stmt]) -> None:
        depth = len(self._guards)
        for stmt, guards in block_guards(body, tuple(self._guards)):
            self._guards[depth:] = guards[depth:]  # `if not flag: return` guards what follows (guards.py)
            self._stmt(stmt)
        del self._guards[depth:]

    def _stmt(self, node: ast.stmt) -> None:
        outer = self._stmt_id
        self._stmt_id = id(node)
        self._statement(node)
        self._stmt_id = outer

    def _statement(self, node: ast.stmt) -> None:
        handler = _STATEMENTS.get(type(node))
        if handler is not None:
            handler(self, node)

    def _assign(self, node: ast.Assign) -> None:
        _record_index_alias(node, self._index_aliases)
        if _pairwise(node):
            targets, values = node.targets[0].elts, node.value.elts  # type: ignore[attr-defined]
            for t, v, value in zip(targets, values, self._elementwise(values), strict=True):
                self._store(t, value, v)
            return
        value = self.expr(node.value)
        before = dict(self._state)
        for target in node.targets:
            self._store(target, value, node.value)
        if _is_self_add(node):
            target = node.targets[0]
            self._event(
                EventKind.ACC, node, value=value, text=dotted(target), accumulates=self._persists(target, before)
            )

    def _annassign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._store(node.target, self.expr(node.value), node.value)

    def _for(self, node: ast.For | ast.AsyncFor) -> None:
        self._store(node.target, self.expr(node.iter), node.iter)
        self._loop(node, [*_names(node.target)], node.body)
        self._block(node.orelse)

    def _while(self, node: ast.While) -> None:
        self.facts.evals.append(self.expr(node.test))
        self._loop(node, [], node.body)
        self._block(node.orelse)

    def _if(self, node: ast.If) -> None:
        self.facts.evals.append(self.expr(node.test))
        before = dict(self._state)
        self._guarded(node.test, True, node.body)
        after_body, self._state = self._state, before
        self._guarded(node.test, False, node.orelse)
        self._state = _merge(after_body, self._state)

    def _return(self, node: ast.Return) -> None:
        if node.value is None:
            return
        self.facts.returns.append(self.expr(node.value))
        elems = node.value.elts if isinstance(node.value, ast.Tuple) else None
        plain = elems and not any(isinstance(e, ast.Starred) for e in elems)
        self.facts.return_elems.append(self._elementwise(elems) if elems and plain else None)

    def _elementwise(self, elems: list[ast.expr]) -> list[R]:
        """Tuple elements as if each were its own statement: `return buf[:-1], buf[1:]` splits
        inputs from targets the way two assignments do (shifted slices inside one expression are not)."""
        outer = self._stmt_id
        out = []
        for e in elems:
            self._stmt_id = id(e)
            out.append(self.expr(e))
        self._stmt_id = outer
        return out

    def _expressions(self, node: ast.stmt) -> None:
        for child in child_expressions(node):
            self.facts.evals.append(self.expr(child))

    def _match(self, node: ast.Match) -> None:
        self.facts.evals.append(self.expr(node.subject))
        before = dict(self._state)
        merged = before
        for case in node.cases:
            self._state = dict(before)
            self._block(case.body)
            merged = _merge(merged, self._state)
        self._state = merged

    def _loop(self, node: ast.For | ast.While | ast.AsyncFor, targets: list[str], body: list[ast.stmt]) -> None:
        lid = id(node)
        self.facts.loops[lid] = Loop(
            lid=lid, node=node, parent=self._loops[-1] if self._loops else None, targets=targets
        )
        self._loops.append(lid)
        before = dict(self._state)
        self._frames.append(_LoopFrame())
        self._block(body)
        frame = self._frames.pop()
        # The back edge: a definition later in the body reaches reads earlier in the next iteration.
        for recipe, name in frame.reads:
            extra = frame.defs.get(name)
            if extra:
                recipe.keys = tuple(sorted(set(recipe.keys) | {(self.fid, name, d) for d in extra}))
        if self._frames:  # an enclosing loop's back edge reaches in here too
            outer = self._frames[-1]
            outer.reads += frame.reads
            for name, ids in frame.defs.items():
                outer.defs.setdefault(name, set()).update(ids)
        self._state = _merge(before, self._state)
        self._loops.pop()

    def _persists(self, target: ast.expr, state: State) -> bool:
        """True when `target` carries a value across loop iterations or out of the function."""
        if not isinstance(target, ast.Name):
            return True  # self.total += x, totals[k] += x
        defs = state.get(target.id)
        if defs is None:
            return True  # an enclosing scope's or the module's variable
        if 0 in defs:
            return True  # a parameter: the caller's tensor is accumulated in place
        if not self._frames:
            return False
        return bool(defs - self._frames[-1].defs.get(target.id, set()))

    def _try(self, node: ast.Try | ast.TryStar) -> None:
        before = dict(self._state)
        self._block(node.body)
        after_body = self._state
        merged = _merge(before, after_body)
        for h in node.handlers:
            self._state = dict(_merge(before, after_body))
            self._block(h.body)
            merged = _merge(merged, self._state)
        self._state = dict(after_body)
        self._block(node.orelse)
        self._state = _merge(merged, self._state)
        self._block(node.finalbody)

    def _guarded(self, test: ast.expr, polarity: bool, body: list[ast.stmt]) -> None:
        if not body:
            return
        self._guards.append((test, polarity))
        self._block(body)
        self._guards.pop()

    def _with(self, node: ast.With | ast.AsyncWith) -> None:
        nograd = self._nograd
        for item in node.items:
            ctx = self.expr(item.context_expr)
            text = dotted(item.context_expr.func) if isinstance(item.context_expr, ast.Call) else ""
            if text.endswith(NOGRAD_CONTEXTS):
                self._nograd = True
            elif text.endswith("enable_grad"):
                self._nograd = False
            if item.optional_vars is not None:
                self._store(item.optional_vars, ctx, item.context_expr)
            else:
                self.facts.evals.append(ctx)
        self._block(node.body)
        self._nograd = nograd

    def _augassign(self, node: ast.AugAssign) -> None:
        value = self.expr(node.value)
        target = node.target
        current = self._read(target.id) if isinstance(target, ast.Name) else self.expr(target)
        before = dict(self._state)
        self._store(target, union([current, value]), node.value)
        if isinstance(node.op, ast.Add | ast.Sub):
            self._event(
                EventKind.ACC, node, value=value, text=dotted(target), accumulates=self._persists(target, before)
            )

    def _store(self, target: ast.expr, value: R, value_node: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self._define(target.id, id(target), value)
        elif isinstance(target, ast.Tuple | ast.List):
            n = len(target.elts)
            starred = any(isinstance(e, ast.Starred) for e in target.elts)
            for i, elt in enumerate(target.elts):
                part = Elem(value, i, n) if isinstance(value, Call) and not starred else value
                self._store(elt.value if isinstance(elt, ast.Starred) else elt, part, value_node)
        elif isinstance(target, ast.Attribute):
            recv = self.expr(target.value)
            self_class = self._self_class if _is_self(target.value, self.info) else None
            self.facts.attr_stores.append((recv, target.attr, value, self_class))
        elif isinstance(target, ast.Subscript):
            index = self.expr(target.slice)
            root = _root_name(target)
            if root:
                self._weak(root, id(target), union([value, index]))
            if isinstance(target.value, ast.Attribute):
                self._store(target.value, union([value, index]), value_node)

    def _define(self, name: str, def_id: int, value: R) -> None:
        found = var_of(self.p.resolve(self.fid, name))
        if found is None:
            return
        owner, var = found
        self.facts.assigns.append((((owner, var, def_id),), value))
        if owner == self.fid:
            self._state[var] = frozenset({def_id})
            if self._frames:
                self._frames[-1].defs.setdefault(var, set()).add(def_id)

    def _weak(self, name: str, def_id: int, value: R) -> None:
        """A partial update (x[i] = v, lst.append(v)): the old value flows on with the new one."""
        self._define(name, def_id, union([self._read(name), value]))

    def _read(self, name: str) -> R:
        binding = self.p.resolve(self.fid, name)
        kind, target = binding
        found = var_of(binding)
        if found is not None:
            owner, var = found
            if owner == self.fid:
                recipe = Var(tuple((owner, var, d) for d in sorted(self._state.get(var, ()))))
                if self._frames:
                    self._frames[-1].reads.append((recipe, var))
                return recipe
            return ScopeVar(owner, var)
        if kind == "func":
            assert isinstance(target, int)
            self.facts.refs.add(target)
            return Const(self.space.func(target))
        return ZERO

    def _event(
        self,
        kind: EventKind,
        node: ast.AST,
        *,
        value: R | None = None,
        call: Call | None = None,
        text: str = "",
        accumulates: bool = False,
    ) -> Event:
        self._order += 1
        ev = Event(
            order=self._order,
            kind=kind,
            node=node,
            loops=tuple(self._loops),
            guards=tuple(self._guards),
            nograd=self._nograd,
            value=value,
            call=call,
            text=text,
            accumulates=accumulates,
        )
        self.facts.events.append(ev)
        return ev

    # ----- expressions ------------------------------------------------------------------------
    def expr(self, node: ast.expr) -> R:
        # Dispatched here, not in a helper: each level of a nested expression costs two Python
        # frames (expr -> handler -> expr), so deep legal nesting stays within the recursion cap.
        handler = _EXPRESSIONS.get(node.__class__)
        recipe = handler(self, node) if handler is not None else self._children(node)
        self.facts.recipes[id(node)] = recipe
        return recipe

    def _children(self, node: ast.expr) -> R:
        """Any other expression: the union of its sub-expressions."""
        return union([self.expr(c) for c in child_expressions(node)])

    def _constant(self, node: ast.Constant) -> R:
        return Const(literal_labels(node.value)) if isinstance(node.value, str) else ZERO

    def _subscript(self, node: ast.Subscript) -> R:
        if self._qualname(node.value) == "os.environ":
            key = node.slice.value if isinstance(node.slice, ast.Constant) else ""
            self._event(EventKind.ENV, node, text=str(key))
            return Const(L.ENV)
        sub = Sub(self.expr(node.value), self.expr(node.slice), 0)
        self._subs.append((self._stmt_id, node, sub))
        return sub

    def _binop(self, node: ast.BinOp) -> R:
        if isinstance(node.op, ast.MatMult) and _is_xtx(node.left, node.right):
            self._event(EventKind.XTX, node)
        return union([self.expr(node.left), self.expr(node.right)])

    def _named(self, node: ast.NamedExpr) -> R:
        value = self.expr(node.value)
        self._store(node.target, value, node.value)
        return value

    def _lambda(self, node: ast.Lambda) -> R:
        return self.expr(node.body)

    def _yield(self, node: ast.Yield | ast.YieldFrom) -> R:
        value = self.expr(node.value) if node.value is not None else ZERO
        self.facts.returns.append(value)
        return ZERO

    def _joined(self, node: ast.JoinedStr) -> R:
        return union([self.expr(v) for v in node.values])

    def _formatted(self, node: ast.FormattedValue) -> R:
        return self.expr(node.value)

    def _name(self, node: ast.Name) -> R:
        return self._read(node.id)

    def _attribute(self, node: ast.Attribute) -> R:
        if attribute_drops(node.attr):
            return ZERO
        qual = self._qualname(node)
        if qual is not None:
            return ZERO  # a module constant such as torch.int64
        recv = self.expr(node.value)
        if node.attr == "grad":
            return union([recv], L.GRAD)
        self.facts.attr_reads.add(node.attr)
        self_class = self._self_class if _is_self(node.value, self.info) else None
        return Attr(recv, node.attr, self_class)

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> R:
        saved = dict(self._state)
        try:
            return self._comprehension_body(node)
        finally:
            self._state = saved  # comprehension variables do not leak

    def _comprehension_body(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> R:
        parts: list[R] = []
        for gen in node.generators:
            it = self.expr(gen.iter)
            self._store(gen.target, it, gen.iter)
            parts.append(it)
            parts += [self.expr(cond) for cond in gen.ifs]
        if isinstance(node, ast.DictComp):
            parts += [self.expr(node.key), self.expr(node.value)]
        else:
            parts.append(self.expr(node.elt))
        return union(parts)

    def _qualname(self, node: ast.expr) -> str | None:
        """Dotted name when the expression is rooted at an external module or builtin."""
        parts: list[str] = []
        cur = node
        while isinstance(cur, ast.Attribute):
            parts.append(cur.attr)
            cur = cur.value
        if not isinstance(cur, ast.Name):
            return None
        kind, target = self.p.resolve(self.fid, cur.id)
        if kind == "ext":
            parts.append(str(target))
        elif kind == "builtin":
            parts.append(cur.id)
        else:
            return None
        return ".".join(reversed(parts))

    # ----- calls ------------------------------------------------------------------------------
    def _call(self, node: ast.Call) -> R:
        args = tuple(self.expr(a.value if isinstance(a, ast.Starred) else a) for a in node.args)
        star_parts = [args[i] for i, a in enumerate(node.args) if isinstance(a, ast.Starred)]
        kwargs = tuple((k.arg, self.expr(k.value)) for k in node.keywords if k.arg is not None)
        star_parts += [self.expr(k.value) for k in node.keywords if k.arg is None]
        star = union(star_parts) if star_parts else None
        if star is not None:
            args = tuple(a for i, a in enumerate(args) if not isinstance(node.args[i], ast.Starred))
        func = node.func
        qual = self._qualname(func)
        if qual is not None:
            call = self._lib_call(node, qual, args, kwargs, star)
        elif isinstance(func, ast.Name):
            call = self._name_call(node, func, args, kwargs, star)
        elif isinstance(func, ast.Attribute):
            call = self._method_call(node, func, args, kwargs, star)
        else:
            call = Call(node, CallKind.VALUE, args, kwargs, star, recv=self.expr(func), not_class=self._self_class)
        self.facts.calls.append(call)
        self._call_events(call, qual)
        return call

    def _lib_call(
        self, node: ast.Call, qual: str, args: tuple[R, ...], kwargs: tuple[tuple[str, R], ...], star: R | None
    ) -> Call:
        kind = function_kind(qual)
        extra = 0
        if kind is CallKind.ARANGE and any(vocab_like(_source_text(a)) for a in node.args):
            extra = L.VOCAB
        if kind is CallKind.CE:
            self._seed_target(node, args, kwargs)
        return Call(node, kind, args, kwargs, star, method=qual, extra=extra)

    def _name_call(
        self, node: ast.Call, func: ast.Name, args: tuple[R, ...], kwargs: tuple[tuple[str, R], ...], star: R | None
    ) -> Call:
        kind, target = self.p.resolve(self.fid, func.id)
        if kind == "func":
            assert isinstance(target, int)
            ce = any(n in func.id.lower() for n in CE_NAMES)
            if ce:
                self._seed_target(node, args, kwargs)
            return Call(
                node, CallKind.USER, args, kwargs, star, fids=(target,), method=func.id, extra=L.GOLD if ce else 0
            )
        if kind == "class":
            assert isinstance(target, str)
            init = self.p.method(target, "__init__")
            opt = L.OPT if self.p.classes[target].is_optimizer else 0
            return Call(
                node,
                CallKind.USER,
                args,
                kwargs,
                star,
                fids=(init,) if init is not None else (),
                ctor=target,
                method=func.id,
                extra=opt,
            )
        if kind == "file":
            return Call(node, CallKind.LIB, args, kwargs, star, method=func.id)
        not_self = None if _is_self(func, self.info) else self._self_class
        return Call(node, CallKind.VALUE, args, kwargs, star, recv=self._name(func), method=func.id, not_class=not_self)

    def _method_call(
        self,
        node: ast.Call,
        func: ast.Attribute,
        args: tuple[R, ...],
        kwargs: tuple[tuple[str, R], ...],
        star: R | None,
    ) -> Call:
        root = func.value
        if isinstance(root, ast.Name):
            kind, target = self.p.resolve(self.fid, root.id)
            if kind == "file":
                assert isinstance(target, int)
                return self._helper_call(node, target, func.attr, args, kwargs, star)
        recv = self.expr(root)
        name = func.attr
        kind = method_kind(name, len(node.args))
        if kind is CallKind.METHOD and method_mutates(name):
            base = _root_name(root)
            if base:
                self._weak(base, id(node), union([*args, *(v for _, v in kwargs)]))
        return Call(node, kind, args, kwargs, star, recv=recv, method=name)

    def _helper_call(
        self,
        node: ast.Call,
        file: int,
        name: str,
        args: tuple[R, ...],
        kwargs: tuple[tuple[str, R], ...],
        star: R | None,
    ) -> Call:
        binding = self.p.file_symbol(file, name)
        if binding is not None and binding[0] == "func":
            assert isinstance(binding[1], int)
            return Call(node, CallKind.USER, args, kwargs, star, fids=(binding[1],), method=name)
        if binding is not None and binding[0] == "class":
            assert isinstance(binding[1], str)
            init = self.p.method(binding[1], "__init__")
            return Call(
                node,
                CallKind.USER,
                args,
                kwargs,
                star,
                fids=(init,) if init is not None else (),
                ctor=binding[1],
                method=name,
            )
        return Call(node, CallKind.LIB, args, kwargs, star, method=name)

    def _seed_target(self, node: ast.Call, args: tuple[R, ...], kwargs: tuple[tuple[str, R], ...]) -> None:
        """The second argument of a cross-entropy is the target: mark the variables it reads."""
        target = dict(kwargs).get("target") or dict(kwargs).get("targets") or (args[1] if len(args) > 1 else None)
        if target is None:
            return
        for key in target.var_keys():
            self.facts.seeds[key] = self.facts.seeds.get(key, 0) | L.TARGET

    def _call_events(self, call: Call, qual: str | None) -> None:
        node = call.node
        name = call.method.rsplit(".", 1)[-1]
        args = union([*call.args, *(v for _, v in call.kwargs)])
        resolvable = call.kind in (CallKind.USER, CallKind.VALUE, CallKind.METHOD)
        if resolvable and (call.fids or call.kind is not CallKind.USER):
            self._event(EventKind.CALL, node, call=call, value=union([args, *([call.star] if call.star else [])]))
        kind = self._primary_kind(call, qual or "", name)
        if kind is EventKind.BACKWARD:
            target = call.recv if call.kind is CallKind.METHOD else call.args[0]
            self._event(kind, node, value=target)
        elif kind in (EventKind.STEP, EventKind.NET, EventKind.ENV):
            text = {EventKind.STEP: dotted(node.func), EventKind.NET: qual or "", EventKind.ENV: _env_name(node)}[kind]
            self._event(kind, node, value=call.recv if kind is EventKind.STEP else None, text=text)
        elif kind is not None:
            self._event(kind, node, value=args if kind in (EventKind.HOOK, EventKind.SAVE) else None)
        self._secondary_events(call, qual or "", name, args)

    @staticmethod
    def _primary_kind(call: Call, q: str, name: str) -> EventKind | None:  # noqa: PLR0911 - a lookup
        """At most one of backward/step/hook/xtx/save/net/env/gen per call."""
        method = call.kind is CallKind.METHOD and call.recv is not None
        if (name == "backward" and method) or (q in ("torch.autograd.backward", "torch.autograd.grad") and call.args):
            return EventKind.BACKWARD
        if name == "step" and method:
            return EventKind.STEP
        if name in HOOK_METHODS:
            return EventKind.HOOK
        if name in ("addmm_", "addmm", "mm", "matmul") and _call_is_xtx(call.node):
            return EventKind.XTX
        if q.endswith(SAVE_SUFFIXES) or name == "tofile":
            return EventKind.SAVE
        if q.startswith(NETWORK_PREFIXES) or q in SHELL_CALLS:
            return EventKind.NET
        if call.kind is CallKind.ENV:
            return EventKind.ENV
        if call.kind is CallKind.GEN:
            return EventKind.GEN
        return None

    def _secondary_events(self, call: Call, q: str, name: str, args: R) -> None:
        node = call.node
        if call.kind is CallKind.OPT:
            self._event(EventKind.OPT_CTOR, node, value=args)
        if _creates_grad_param(node, name):
            self._event(EventKind.GRAD_PARAM, node)
        if method_accumulates(name) and call.kind is CallKind.METHOD and call.recv is not None:
            recv_node = node.func.value if isinstance(node.func, ast.Attribute) else node.func
            root = _root_name(recv_node)
            persists = self._persists(ast.Name(id=root) if root else recv_node, self._state)
            self._event(EventKind.ACC, node, value=args, text=dotted(recv_node), accumulates=persists)
        if q.endswith("open") and _opens_for_write(node):
            self._event(EventKind.SAVE, node, value=union(call.args[:1]))


_STATEMENTS: dict[type[ast.stmt], Callable[[Scanner, Any], None]] = {
    ast.Assign: Scanner._assign,
    ast.AnnAssign: Scanner._annassign,
    ast.AugAssign: Scanner._augassign,
    ast.For: Scanner._for,
    ast.AsyncFor: Scanner._for,
    ast.While: Scanner._while,
    ast.If: Scanner._if,
    ast.With: Scanner._with,
    ast.AsyncWith: Scanner._with,
    ast.Try: Scanner._try,
    ast.TryStar: Scanner._try,
    ast.Return: Scanner._return,
    ast.Expr: Scanner._expressions,
    ast.Raise: Scanner._expressions,
    ast.Assert: Scanner._expressions,
    ast.Delete: Scanner._expressions,
    ast.Match: Scanner._match,
}


# One handler per expression kind; any other expression is the union of its sub-expressions.
_EXPRESSIONS: dict[type[ast.expr], Callable[[Scanner, Any], R]] = {
    ast.Name: Scanner._name,
    ast.Constant: Scanner._constant,
    ast.Attribute: Scanner._attribute,
    ast.Subscript: Scanner._subscript,
    ast.Call: Scanner._call,
    ast.BinOp: Scanner._binop,
    ast.NamedExpr: Scanner._named,
    ast.ListComp: Scanner._comprehension,
    ast.SetComp: Scanner._comprehension,
    ast.GeneratorExp: Scanner._comprehension,
    ast.DictComp: Scanner._comprehension,
    ast.Lambda: Scanner._lambda,
    ast.Yield: Scanner._yield,
    ast.YieldFrom: Scanner._yield,
    ast.JoinedStr: Scanner._joined,
    ast.FormattedValue: Scanner._formatted,
}


def child_expressions(node: ast.AST) -> list[ast.expr]:
    """The expressions directly under `node`, in field order (ast.iter_child_nodes, minus the generator)."""
    out: list[ast.expr] = []
    for name in node._fields:
        value = getattr(node, name, None)
        if isinstance(value, ast.expr):
            out.append(value)
        elif value.__class__ is list:
            out += [x for x in value if isinstance(x, ast.expr)]
    return out


def _source_text(node: ast.expr) -> str:
    """ast.unparse, without unparsing the common plain name or number."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return str(node.value)
    return ast.unparse(node)


def _env_name(node: ast.Call) -> str:
    if node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
        return node.args[0].value
    return ""


def _creates_grad_param(node: ast.Call, name: str) -> bool:
    if name == "Parameter":
        return True
    if name == "requires_grad_":
        return not node.args or (isinstance(node.args[0], ast.Constant) and node.args[0].value is True)
    return any(
        k.arg == "requires_grad" and not (isinstance(k.value, ast.Constant) and k.value.value is False)
        for k in node.keywords
    )


def _opens_for_write(node: ast.Call) -> bool:
    mode = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "mode"), None)
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and "w" in mode.value and "b" in mode.value


def _transposed(node: ast.expr) -> ast.expr | None:
    """`x.T`, `x.t()`, `x.transpose(0, 1)`, `x.mT` -> x."""
    if isinstance(node, ast.Attribute) and node.attr in ("T", "mT"):
        return node.value
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("t", "transpose"):
        return node.func.value
    return None


def _is_xtx(left: ast.expr, right: ast.expr) -> bool:
    inner = _transposed(left)
    return inner is not None and ast.dump(inner) == ast.dump(right)


def _call_is_xtx(node: ast.Call) -> bool:
    args = node.args
    if isinstance(node.func, ast.Attribute) and node.func.attr == "mm" and len(args) == 1:
        return _is_xtx(node.func.value, args[0])
    return len(args) >= 2 and _is_xtx(args[-2], args[-1])


def _merge(a: State, b: State) -> State:
    out = dict(a)
    for name, defs in b.items():
        out[name] = out[name] | defs if name in out else defs
    return out


def _names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for e in target.elts for n in _names(e)]
    return []


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_self(node: ast.expr, info: FuncInfo) -> bool:
    return isinstance(node, ast.Name) and info.cls is not None and bool(info.params) and node.id == info.params[0]


def _pairwise(node: ast.Assign) -> bool:
    """`x, y = a, b` assigns element by element."""
    if len(node.targets) != 1:
        return False
    target, value = node.targets[0], node.value
    return (
        isinstance(target, ast.Tuple | ast.List)
        and isinstance(value, ast.Tuple | ast.List)
        and len(target.elts) == len(value.elts)
        and not any(isinstance(e, ast.Starred) for e in [*target.elts, *value.elts])
    )


def _is_self_add(node: ast.Assign) -> bool:
    """`total = total + x`: an accumulation written without `+=`."""
    target = node.targets[0]
    value = node.value
    return (
        len(node.targets) == 1
        and isinstance(target, ast.Name)
        and isinstance(value, ast.BinOp)
        and isinstance(value.op, ast.Add)
        and isinstance(value.left, ast.Name)
        and value.left.id == target.id
    )


def _record_index_alias(node: ast.Assign, aliases: dict[str, str]) -> None:
    """`sel = idx[mask]` / `sel = idx[order]`: a gather or mask of an index array selects the same positions."""
    if len(node.targets) != 1 or not isinstance(node.targets[0], ast.Name):
        return
    value = node.value
    selects = isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name)
    if selects and not isinstance(value.slice, ast.Slice) and value.value.id != node.targets[0].id:  # type: ignore[attr-defined]
        aliases[node.targets[0].id] = value.value.id  # type: ignore[attr-defined]
