"""The label fixpoint: which values come from validation data, training data, targets, generation.

Each function's variables get labels from their assignments (flow-insensitive: every assignment to
a name contributes). Parameters start as symbolic labels; a call substitutes the caller's argument
labels into the callee's return labels, so a helper shared by the training loop and by test-time
training is judged per call site. Attributes are keyed by class where the receiver's class is known
(`self.tokens` of a validation stream and of a training stream stay apart). A worklist re-analyses a
function when something it reads changes, under a hard budget so hostile code cannot make it spin.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Callable, Iterable

from pgolf.audit import labels as L
from pgolf.audit.compiler import Facts, Key, Scanner
from pgolf.audit.ir import Call, R
from pgolf.audit.kinds import CallKind, FuncKind
from pgolf.audit.labels import LabelSpace, bits
from pgolf.audit.library import COMMON_DATA_METHODS, method_keeps
from pgolf.audit.program import FuncInfo, Program

_LOCAL_PASSES = 6
_BUDGET_PER_FUNC = 12
_CALL_LABELS = {CallKind.TIME: L.TIME, CallKind.ENV: L.ENV, CallKind.RAND: L.RAND, CallKind.OPT: L.OPT}


class Flow:
    def __init__(self, program: Program) -> None:
        self.p = program
        self.space = LabelSpace()
        for info in program.funcs:
            for name in [*info.params, *(n for n in (info.vararg, info.kwarg) if n)]:
                self.space.param(info.fid, name)
        self.facts: dict[int, Facts] = {f.fid: Scanner(program, self.space, f.fid).run() for f in program.funcs}
        self.env: dict[Key, int] = {}
        self.attrs: dict[tuple[str | None, str], int] = {}
        self.attrs_any: dict[str, int] = {}
        self.returns: dict[int, int] = defaultdict(int)
        self.return_tuple: dict[int, list[int]] = {}
        self.param_in: dict[tuple[int, str], int] = defaultdict(int)
        self.callers: dict[int, set[int]] = defaultdict(set)
        self.attr_readers: dict[str, set[int]] = defaultdict(set)
        self._current = -1
        self.exhausted = False  # the worklist budget ran out before the labels settled
        self._dirty: set[int] = set()
        self._concrete_cache: dict[int, int] = {}
        self._children_of: dict[int, list[int]] = {}
        for fid, facts in self.facts.items():
            for name in facts.attr_reads:
                self.attr_readers[name].add(fid)
            for key, seed in facts.seeds.items():
                self.env[key] = self.env.get(key, 0) | seed
        self.defs_of: dict[tuple[int, str], list[Key]] = defaultdict(list)
        for info in program.funcs:
            for name in [*info.params, *(n for n in (info.vararg, info.kwarg) if n)]:
                key = (info.fid, name, 0)
                self.env[key] = self.env.get(key, 0) | self.space.param(info.fid, name)
                self.defs_of[(info.fid, name)].append(key)
        for facts in self.facts.values():
            for keys, _ in facts.assigns:
                for key in keys:
                    self.defs_of[(key[0], key[1])].append(key)
        self.scope_union: dict[tuple[int, str], int] = {}
        for key, value in self.env.items():
            self.scope_union[(key[0], key[1])] = self.scope_union.get((key[0], key[1]), 0) | value

    # ----- the fixpoint -------------------------------------------------------------------------
    def run(self) -> None:
        order = self._order()
        queue = list(order)
        queued = set(queue)
        budget = _BUDGET_PER_FUNC * max(len(order), 1)
        while queue and budget > 0:
            fid = queue.pop(0)
            queued.discard(fid)
            budget -= 1
            self._dirty = set()
            self._analyse(fid)
            for other in sorted(self._dirty):
                if other not in queued:
                    queue.append(other)
                    queued.add(other)
        self.exhausted = bool(queue)

    def _order(self) -> list[int]:
        """Module and class bodies first (they define constants and attributes), then functions."""
        funcs = self.p.funcs
        return [f.fid for f in funcs if f.kind is not FuncKind.FUNCTION] + [
            f.fid for f in funcs if f.kind is FuncKind.FUNCTION
        ]

    def _analyse(self, fid: int) -> None:
        self._current = fid
        facts = self.facts[fid]
        for _ in range(_LOCAL_PASSES):
            changed = False
            for keys, recipe in facts.assigns:
                value = recipe.ev(self)
                for key in keys:
                    old = self.env.get(key, 0)
                    if value | old != old:
                        self.env[key] = old | value
                        scope_key = (key[0], key[1])
                        self.scope_union[scope_key] = self.scope_union.get(scope_key, 0) | value
                        changed = True
                        self._env_changed(key)
            if not changed:
                break
        info = self.p.funcs[fid]
        if info.kind is FuncKind.CLASS:
            cls = self.p.class_of_body[fid]
            for name in info.locals:
                self._store_attr(cls, name, self.concrete(self.scope_var(fid, name)))
        own_params = self.space.param_mask.get(fid, 0)
        for recv, name, recipe, self_class in facts.attr_stores:
            # What a method stores from its own parameters travels with the instance instead (a
            # constructor call's labels include its arguments), so one class used for a training
            # and a validation stream keeps them apart.
            value = self.concrete(recipe.ev(self) & ~own_params)
            classes = [self_class] if self_class else self.space.classes_in(self.concrete(recv.ev(self)))
            for cls in classes or [None]:  # type: ignore[list-item]  # None: the receiver's class is unknown
                self._store_attr(cls, name, value)
        ret = 0
        for recipe in facts.returns:
            ret |= recipe.ev(self)
        self._tuple_returns(fid, facts)
        if ret | self.returns[fid] != self.returns[fid]:
            self.returns[fid] |= ret
            self._dirty |= self.callers[fid]
        for recipe in facts.evals:
            recipe.ev(self)

    def _tuple_returns(self, fid: int, facts: Facts) -> None:
        """Per-element return labels when every return is a tuple of one size."""
        elems = facts.return_elems
        if not elems or any(e is None for e in elems) or len({len(e) for e in elems if e}) != 1:
            return
        size = len(elems[0] or [])
        merged = list(self.return_tuple.get(fid, [0] * size))
        for elem in elems:
            for i, recipe in enumerate(elem or []):
                merged[i] |= recipe.ev(self)
        if merged != self.return_tuple.get(fid):
            self.return_tuple[fid] = merged
            self._dirty |= self.callers[fid]

    def call_elem(self, c: Call, index: int, size: int) -> int:
        whole = c.ev(self)
        if c.kind not in (CallKind.USER, CallKind.METHOD, CallKind.VALUE) or not c.resolved:
            return whole
        out = 0
        for fid in c.resolved:
            parts = self.return_tuple.get(fid)
            if parts is None or len(parts) != size:
                return whole
            recv = c.recv.ev(self) if c.recv is not None and c.kind is not CallKind.USER else None
            out |= self.substitute(fid, parts[index], self.map_args(fid, c, recv, self.ev_of))
        return out

    def _env_changed(self, key: Key) -> None:
        owner = key[0]
        if owner != self._current:
            self._dirty.add(owner)
        self._dirty.update(self._children(owner))

    def _children(self, fid: int) -> Iterable[int]:
        """Scopes that read `fid`'s variables (memoized: a module has one entry per function of its file)."""
        found = self._children_of.get(fid)
        if found is None:
            info = self.p.funcs[fid]
            if info.kind is FuncKind.MODULE:
                found = [f.fid for f in self.p.funcs if f.file == info.file and f.fid != fid]
            else:
                found = [*info.defs.values(), *(self.p.classes[k].body_fid for k in info.classes.values())]
            self._children_of[fid] = found
        return found

    def _store_attr(self, cls: str | None, name: str, value: int) -> None:
        key = (cls, name)
        old = self.attrs.get(key, 0)
        if value | old != old:
            self.attrs[key] = old | value
            self.attrs_any[name] = self.attrs_any.get(name, 0) | value
            self._dirty |= self.attr_readers[name]

    # ----- what recipes call back into ------------------------------------------------------------
    def scope_var(self, owner: int, name: str) -> int:
        """Every definition of a variable at once (kept up to date as definitions change)."""
        return self.scope_union.get((owner, name), 0)

    def attr(self, name: str, recv: int, self_class: str | None) -> int:
        classes = [self_class] if self_class else self.space.classes_in(self.concrete(recv))
        if not classes:
            return self.attrs_any.get(name, 0)
        out = 0
        for cls in classes:
            out |= self.attrs.get((cls, name), 0) | self._class_attr(cls, name)
        return out

    def _class_attr(self, cls: str, name: str, depth: int = 0) -> int:
        """Class-body attributes and those of user-defined bases."""
        info = self.p.classes.get(cls)
        if info is None or depth > 6:
            return 0
        out = self.scope_var(info.body_fid, name)
        for base in info.bases:
            for cand in self.p.classes_by_name.get(base.split(".")[-1], []):
                out |= self._class_attr(cand.key, name, depth + 1)
        return out

    def concrete(self, value: int) -> int:
        """Replace symbolic parameter labels by everything any caller passed (context-insensitive)."""
        sym = value & self.space.all_params
        if not sym:
            return value
        cached = self._concrete_cache.get(value)
        if cached is not None:
            return cached
        out = value & ~self.space.all_params
        for bit in bits(sym):
            out |= self.param_in.get(self.space.param_of[bit], 0)
        self._concrete_cache[value] = out
        return out

    def call(self, c: Call) -> int:  # noqa: PLR0911 - one return per call kind
        kind = c.kind
        # Arguments are evaluated even when the result drops their labels: a user call nested in
        # them (`print(eval_val(...))`, `len(loader.next())`) must still resolve and be reached.
        recv = c.recv.ev(self) if c.recv is not None else 0
        args = c.arg_union(self)
        if kind is CallKind.SANITIZE:
            return 0
        if kind in _CALL_LABELS:
            return _CALL_LABELS[kind]
        if kind is CallKind.CE:
            return L.GOLD | (args & ~(L.ANY_TARGET | L.DIST | L.GOLD_WEAK))
        if kind is CallKind.DIST:
            return L.DIST | args | recv
        if kind is CallKind.GEN:
            return L.GEN | args | recv
        if kind is CallKind.GATHER:
            return self._gather(c, recv)
        if kind in (CallKind.LIB, CallKind.ARANGE):
            return args | recv
        cands, bound = self._candidates(c, recv)
        if c.ctor is not None:
            out = self.space.cls(c.ctor) | args | c.extra
            for fid in cands:
                c.resolved.add(fid)
                self.callers[fid].add(self._current)
                self._apply(fid, c, None)
            return out
        if not cands:
            return self._unresolved(c, recv, args)
        out = c.extra
        for fid in cands:
            c.resolved.add(fid)
            self.callers[fid].add(self._current)
            out |= self._apply(fid, c, recv if bound else None)
        return out

    def _gather(self, c: Call, recv: int) -> int:
        if c.recv is not None:  # x.gather(dim, index)
            source, index = recv, c.args[1].ev(self) if len(c.args) > 1 else 0
        else:  # torch.gather(x, dim, index)
            source = c.args[0].ev(self) if c.args else 0
            index = c.args[2].ev(self) if len(c.args) > 2 else 0
        out = source | index
        if index & L.TARGET:
            out |= L.GOLD
        elif index & L.TARGET_POS:
            out |= L.GOLD_WEAK
        return out & ~(L.ANY_TARGET & ~source)

    def _candidates(self, c: Call, recv: int) -> tuple[list[int], bool]:
        """User functions a call may reach, and whether the receiver binds to `self`."""
        if c.kind is CallKind.USER:
            return list(c.fids), False
        conc = self.concrete(recv)
        if c.kind is CallKind.VALUE:
            funcs = self.space.funcs_in(conc)
            classes = [cls for cls in self.space.classes_in(conc) if cls != c.not_class]
            methods = [m for cls in classes for m in self._dunder_call(cls)]
            return funcs + methods, bool(methods) and not funcs
        found = [m for cls in self.space.classes_in(conc) if (m := self.p.method(cls, c.method)) is not None]
        if found:
            return found, True
        if method_keeps(c.method) or c.method in COMMON_DATA_METHODS or c.method.startswith("__"):
            return [], False
        named = self.p.methods_by_name.get(c.method, [])
        return (named, True) if len(named) == 1 else ([], False)

    def _dunder_call(self, cls: str) -> list[int]:
        found = self.p.method(cls, "__call__")
        if found is None:
            found = self.p.method(cls, "forward")
        return [found] if found is not None else []

    def _unresolved(self, c: Call, recv: int, args: int) -> int:
        out = args | recv
        if c.method in ("get", "__getitem__", "setdefault") and c.args:
            key = c.args[0].ev(self)
            if key & L.ANY_TARGET:  # table.get(observed_symbol): a value indexed by the realized token
                out |= L.GOLD if recv & L.DIST and key & L.TARGET else L.GOLD_WEAK
        if c.kind in (CallKind.VALUE, CallKind.METHOD) and not method_keeps(c.method):
            if args & L.TARGET:
                out |= L.GOLD  # an opaque call that takes the targets computes their loss
            elif args & L.TARGET_POS:
                out |= L.GOLD_WEAK
        return out

    def _apply(self, fid: int, c: Call, recv: int | None) -> int:
        """The callee's return labels with this call's arguments substituted for its parameters."""
        mapping = self.map_args(fid, c, recv, self.ev_of)
        for name, value in mapping.items():
            key = (fid, name)
            conc = self.concrete(value)
            if conc | self.param_in[key] != self.param_in[key]:
                self.param_in[key] |= conc
                self._concrete_cache.clear()
                self._dirty.add(fid)
        ret = self.returns[fid]
        if not ret & self.space.param_mask.get(fid, 0):
            return ret
        return self.substitute(fid, ret, mapping)

    def ev_of(self, recipe: R) -> int:
        return recipe.ev(self)

    def substitute(self, fid: int, value: int, mapping: dict[str, int]) -> int:
        mask = self.space.param_mask.get(fid, 0)
        out = value & ~mask
        for bit in bits(value & mask):
            _, name = self.space.param_of[bit]
            out |= mapping.get(name, 0)
        return out

    def map_args(self, fid: int, c: Call, recv: int | None, evaluate: Callable[[R], int]) -> dict[str, int]:
        """Parameter name -> argument labels for calling `fid` at `c` (self bound to `recv`)."""
        info = self.p.funcs[fid]
        params = list(info.params)
        n_pos = _positional_count(info)
        out: dict[str, int] = {}
        pos = params[:n_pos]
        if c.ctor is not None and pos:
            out[pos[0]] = self.space.cls(c.ctor)
            pos = pos[1:]
        elif recv is not None and pos:
            out[pos[0]] = recv
            pos = pos[1:]
        for i, arg in enumerate(c.args):
            name = pos[i] if i < len(pos) else info.vararg
            if name:
                out[name] = out.get(name, 0) | evaluate(arg)
        for kw, arg in c.kwargs:
            name = kw if kw in params else info.kwarg
            if name:
                out[name] = out.get(name, 0) | evaluate(arg)
        if c.star is not None:
            spread = evaluate(c.star)
            for name in pos[len(c.args) :] + params[n_pos:]:
                out[name] = out.get(name, 0) | spread
        return out


def _positional_count(info: FuncInfo) -> int:
    args = getattr(info.node, "args", None)
    if not isinstance(args, ast.arguments):
        return 0
    return len(args.posonlyargs) + len(args.args)
