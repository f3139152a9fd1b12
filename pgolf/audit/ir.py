"""The intermediate form: expressions compiled once into small "recipes" that compute labels quickly.

A recipe is a tree of unions, variable reads, attribute reads and calls. Evaluating one needs the
current state of the fixpoint, which this module knows only as the `State` protocol (solve.Flow
implements it): the IR imports nothing above it. What library calls do to labels is in `library`;
which kind a call is was decided when it was compiled.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pgolf.audit import labels as L
from pgolf.audit.kinds import CallKind
from pgolf.audit.labels import LabelSpace
from pgolf.audit.library import method_keeps

DefKey = tuple[int, str, int]  # (owner fid, variable name, definition id); definition 0 is the parameter


class State(Protocol):
    """What evaluating a recipe reads from the fixpoint (implemented by solve.Flow)."""

    env: dict[DefKey, int]
    space: LabelSpace

    def scope_var(self, owner: int, name: str) -> int: ...

    def attr(self, name: str, recv: int, self_class: str | None) -> int: ...

    def call(self, c: Call) -> int: ...

    def call_elem(self, c: Call, index: int, size: int) -> int: ...


class R:
    """A compiled expression; `ev` returns its labels under the current flow state."""

    __slots__ = ()

    def ev(self, flow: State) -> int:
        raise NotImplementedError

    def var_keys(self) -> list[DefKey]:
        """Definitions read directly (through subscripts and tensor methods), for back-seeding."""
        return []


class Const(R):
    __slots__ = ("bits",)

    def __init__(self, bits: int) -> None:
        self.bits = bits

    def ev(self, flow: State) -> int:
        return self.bits


ZERO = Const(0)


class Var(R):
    """A local variable read: the union of the definitions that reach this read."""

    __slots__ = ("keys",)

    def __init__(self, keys: tuple[DefKey, ...]) -> None:
        self.keys = keys

    def ev(self, flow: State) -> int:
        out = 0
        env = flow.env
        for key in self.keys:
            out |= env.get(key, 0)
        return out

    def var_keys(self) -> list[DefKey]:
        return list(self.keys)


class ScopeVar(R):
    """A read of an enclosing function's or the module's variable: every definition of it."""

    __slots__ = ("name", "owner")

    def __init__(self, owner: int, name: str) -> None:
        self.owner = owner
        self.name = name

    def ev(self, flow: State) -> int:
        return flow.scope_var(self.owner, self.name)


class Union(R):
    __slots__ = ("const", "parts")

    def __init__(self, const: int, parts: tuple[R, ...]) -> None:
        self.const = const
        self.parts = parts

    def ev(self, flow: State) -> int:
        out = self.const
        for p in self.parts:
            out |= p.ev(flow)
        return out

    def var_keys(self) -> list[DefKey]:
        return [k for p in self.parts for k in p.var_keys()]


class Attr(R):
    __slots__ = ("name", "recv", "self_class")

    def __init__(self, recv: R, name: str, self_class: str | None) -> None:
        self.recv = recv
        self.name = name
        self.self_class = self_class

    def ev(self, flow: State) -> int:
        recv = self.recv.ev(flow)
        return recv | flow.attr(self.name, recv, self.self_class)

    def var_keys(self) -> list[DefKey]:
        return self.recv.var_keys()


class Sub(R):
    __slots__ = ("extra", "index", "value")

    def __init__(self, value: R, index: R, extra: int) -> None:
        self.value = value
        self.index = index
        self.extra = extra

    def ev(self, flow: State) -> int:
        value = self.value.ev(flow)
        index = self.index.ev(flow)
        out = value | index
        if self.extra and value & (L.DATA | flow.space.all_params):
            out |= self.extra  # a shifted slice marks targets only when it slices token data
        if index & L.ANY_TARGET:
            out |= L.GOLD if (value & L.DIST and index & L.TARGET) else L.GOLD_WEAK
        return out

    def var_keys(self) -> list[DefKey]:
        return self.value.var_keys()


class Elem(R):
    """Element `index` of a call's tuple result (`x, y = loader.next_batch()`)."""

    __slots__ = ("call", "index", "size")

    def __init__(self, call: Call, index: int, size: int) -> None:
        self.call = call
        self.index = index
        self.size = size

    def ev(self, flow: State) -> int:
        return flow.call_elem(self.call, self.index, self.size)


@dataclass(eq=False, slots=True)
class Call(R):
    """A call. `kind` picks the semantics; user calls resolve to function ids (`fids`)."""

    node: ast.Call
    kind: CallKind
    args: tuple[R, ...] = ()
    kwargs: tuple[tuple[str, R], ...] = ()
    star: R | None = None  # *args / **kwargs, spread over every parameter
    recv: R | None = None  # method receiver or called value
    method: str = ""
    fids: tuple[int, ...] = ()  # statically resolved user functions
    ctor: str | None = None  # class key when this constructs a user class
    # A value called inside a method of this class, not `self` itself: a layer of the model, never the
    # model's own forward (an attribute read carries its receiver's labels, class included).
    not_class: str | None = None
    extra: int = 0
    resolved: set[int] = field(default_factory=set)  # every user function this call reached

    def ev(self, flow: State) -> int:
        return flow.call(self)

    def var_keys(self) -> list[DefKey]:
        if self.kind is CallKind.METHOD and method_keeps(self.method) and self.recv is not None:
            return self.recv.var_keys()
        return []

    def arg_union(self, flow: State) -> int:
        out = self.extra
        for a in self.args:
            out |= a.ev(flow)
        for _, a in self.kwargs:
            out |= a.ev(flow)
        if self.star is not None:
            out |= self.star.ev(flow)
        return out


def union(parts: Sequence[R], const: int = 0) -> R:
    real: list[R] = []
    for p in parts:
        if isinstance(p, Const):
            const |= p.bits
        else:
            real.append(p)
    if not real:
        return Const(const) if const else ZERO
    if len(real) == 1 and not const:
        return real[0]
    return Union(const, tuple(real))
